import CKeygateLinux
import Glibc

/// How many `EINTR`s in a row ``retryingInterrupts(_:)`` absorbs before it reports one (a signal storm, not a race).
public let maxInterruptedRetries = 1000

/// Calls `body` again while it fails with `EINTR`: the one place in keygate where `EINTR` is retried.
///
/// Returns the call's result, or the errno read immediately after a failing call (`-1`). Nothing runs between the
/// call and the errno read, so no allocation or release can overwrite it.
@inlinable @inline(__always)
public func retryingInterrupts<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    for _ in 0..<maxInterruptedRetries {
        let result = body()
        guard result == -1 else { return .success(result) }
        let code = CKeygateLinux_errno()
        guard code == EINTR else { return .failure(Errno(code)) }
    }
    return .failure(Errno(EINTR))
}

/// Runs `body` (retrying `EINTR`); any other `-1` becomes a ``SystemCallError`` naming `call` and `detail`.
///
/// `EFAULT` and `EBADF` mean this process passed a bad pointer or descriptor: a bug, so they trap. `call` and
/// `detail` are only built when the call fails.
@inlinable @inline(__always)
public func syscall<T: FixedWidthInteger>(
    _ call: @autoclosure () -> String, detail: @autoclosure () -> String = "", _ body: () -> T
) throws(SystemCallError) -> T {
    switch retryingInterrupts(body) {
    case .success(let result):
        return result
    case .failure(let errno):
        let error = SystemCallError(call: call(), errno: errno, detail: detail())
        if errno.rawValue == EFAULT || errno.rawValue == EBADF {
            preconditionFailure("\(error): a bug in this process")
        }
        throw error
    }
}
