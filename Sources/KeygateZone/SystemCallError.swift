import CKeygateLinux
import Glibc

/// A system call failed for a reason outside this process's control; names the call and the errno.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var errno: CInt
    public var detail: String

    public init(call: String, errno: CInt, detail: String = "") {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        let reason = String(cString: strerror(self.errno))
        return self.detail.isEmpty ? "\(self.call) failed: \(reason) (errno \(self.errno))"
            : "\(self.call) failed for \(self.detail): \(reason) (errno \(self.errno))"
    }
}

/// Runs `body` until it stops failing with `EINTR`; any other `-1` becomes a ``SystemCallError``.
///
/// `EFAULT` and `EBADF` mean this process passed a bad pointer or descriptor: a bug, so they trap.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ call: String, detail: String = "", _ body: () -> T) throws(SystemCallError) -> T {
    while true {
        let result = body()
        guard result == -1 else { return result }
        let code = CKeygateLinux_errno()
        switch code {
        case EINTR: continue
        case EFAULT, EBADF: preconditionFailure("\(call) failed with errno \(code): a bug in this process")
        default: throw SystemCallError(call: call, errno: code, detail: detail)
        }
    }
}

/// The calling thread's current errno.
@inline(__always)
public func currentErrno() -> CInt { CKeygateLinux_errno() }
