import CKeygateLinux

/// An errno value read right after the failing call, carried as a value: it prints as text, never as a bare number.
///
/// The description is glibc's English text and the symbolic name, e.g. `Bad file descriptor (EBADF)`, so a log line
/// says what happened without a lookup table. The corresponding C functions are `strerrordesc_np` and
/// `strerrorname_np` (thread-safe, never translated).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C errno value.
    public let rawValue: CInt

    @inlinable
    public init(_ rawValue: CInt) {
        self.rawValue = rawValue
    }

    /// The calling thread's errno now; read it immediately after the call that failed.
    @inlinable
    public static var current: Errno { Errno(CKeygateLinux_errno()) }

    /// The symbolic name, e.g. `EBADF`; `errno 4242` for a value glibc does not know.
    public var name: String {
        CKeygateLinux_errno_name(self.rawValue).map { String(cString: $0) } ?? "errno \(self.rawValue)"
    }

    /// The English text, e.g. `Bad file descriptor`; `Unknown error 4242` for a value glibc does not know.
    public var text: String {
        CKeygateLinux_errno_description(self.rawValue).map { String(cString: $0) } ?? "Unknown error \(self.rawValue)"
    }

    /// `Bad file descriptor (EBADF)`.
    public var description: String { "\(self.text) (\(self.name))" }
}
