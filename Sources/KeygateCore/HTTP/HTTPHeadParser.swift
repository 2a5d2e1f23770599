/// Strict parser for one HTTP/1.x request head (RFC 9112, llhttp strict mode, and keygate's own rules: no bodies,
/// no duplicate fields that keygate reads). Pure: bytes in, a verdict out.
public enum HTTPHeadParser {
    /// Parses one request head from the start of `bytes`. Validates every complete line even while the head is
    /// incomplete (so garbage is rejected at once, not after 8 KiB), and returns `.invalid(.headTooLarge)` when
    /// `bytes` holds ``HTTPHeadLimits/maxHeadBytes`` or more without a complete head.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTPHeadLimits) -> HTTPHeadParse {
        var scanner = HTTPHeadScanner()
        return scanner.scan(bytes, limits: limits)
    }
}
