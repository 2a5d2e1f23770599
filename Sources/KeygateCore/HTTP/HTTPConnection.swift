/// Server-side state of one HTTP/1.1 connection: bytes in, request heads and wire answers out. Pure; no I/O.
///
/// Heads are parsed straight out of the bytes handed in; only the tail of a head that is still incomplete is copied,
/// into a buffer that never grows past ``HTTPHeadLimits/maxHeadBytes``, and its parse resumes where it stopped. Several
/// requests in one read are answered in order. Bodies are never awaited: a head that announces one is rejected.
public struct HTTPConnection: Sendable {
    public let limits: HTTPHeadLimits

    /// The incomplete head's bytes so far, from its first byte; empty between requests.
    private var buffer: [UInt8] = []
    /// The incomplete head's parse; fresh whenever `buffer` is empty.
    private var scanner = HTTPHeadScanner()

    /// True once the connection should be closed after `output` is flushed; further input is then ignored.
    ///
    /// Set after a rejected head and after answering a request whose ``HTTPRequestHead/keepAlive`` is false.
    public private(set) var wantsClose = false

    public init(limits: HTTPHeadLimits = HTTPHeadLimits()) {
        self.limits = limits
    }

    /// Bytes held of a partial head.
    public var bufferedByteCount: Int { self.buffer.count }

    /// True while part of a head has arrived: a connection that is not mid-request may be closed when idle.
    public var isMidRequest: Bool { !self.buffer.isEmpty }

    /// Feeds bytes read from the socket (any split, down to 1 byte at a time).
    ///
    /// Calls `answer` once per complete head, in order; the callee appends its response (use
    /// ``HTTPResponseWriter``) to `output`. Returns the parse error (for a log line) if one ended the connection during
    /// this call, else nil. After an error, appends exactly one fixed response
    /// (``HTTPResponseWriter/errorResponse(for:)``) and sets ``wantsClose``; after a request with `keepAlive == false`,
    /// sets ``wantsClose``; once ``wantsClose``, further bytes are ignored.
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], answer: (HTTPRequestHead, inout [UInt8]) -> Void
    ) -> HTTPHeadError? {
        var index = 0
        while index < bytes.count && !self.wantsClose {
            // One switch over the verdict: its head is moved out once, not copied per inspection.
            let held = self.buffer.count
            let taken: Int
            let result: HTTPHeadParse
            if held == 0 {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[index...])
                taken = rest.count
                result = self.scanner.scan(rest, limits: self.limits)
            } else {
                taken = min(bytes.count - index, max(0, self.limits.maxHeadBytes - held))
                self.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + taken)]))
                result = self.buffer.withUnsafeBytes { self.scanner.scan($0, limits: self.limits) }
            }

            switch consume result {
            case .incomplete:
                // Shorter than maxHeadBytes, or the head would be too large.
                if held == 0 { self.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index...])) }
                index += taken
            case .complete(let head, let consumed):
                index += consumed - held
                if held > 0 { self.buffer.removeAll(keepingCapacity: true) }
                self.scanner = HTTPHeadScanner()
                answer(head, &output)
                if !head.keepAlive { self.wantsClose = true }
            case .invalid(let error):
                self.buffer = []
                self.scanner = HTTPHeadScanner()
                self.wantsClose = true
                output.append(contentsOf: HTTPResponseWriter.errorResponse(for: error))
                return error
            }
        }
        return nil
    }
}
