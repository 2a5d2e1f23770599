/// A libcrypto call failed: names the call and carries OpenSSL's error-queue text.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    /// The OpenSSL function that failed, e.g. `RAND_bytes`.
    public let call: String
    /// The text of the entries OpenSSL queued for this failure (`ERR_get_error`), joined with `; `.
    public let detail: String

    public init(call: String, detail: String) {
        self.call = call
        self.detail = detail
    }

    public var description: String { "\(self.call) failed: \(self.detail)" }

    /// An error for a libcrypto `call` that just failed, taking (and clearing) this thread's OpenSSL error queue as
    /// the detail.
    public static func draining(call: String) -> CryptoError {
        CryptoError(call: call, detail: OpenSSLErrorQueue.drain())
    }
}
