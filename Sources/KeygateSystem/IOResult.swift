import Glibc

/// What a call on a nonblocking descriptor did: its result, "not now", or why it failed. A value, never thrown.
public enum IOResult<Value: Sendable>: Sendable {
    /// The call did its work (for a read, `0` is the peer's end of file).
    case processed(Value)
    /// The descriptor is not ready (`EAGAIN`/`EWOULDBLOCK`): wait for epoll to say it is.
    case wouldBlock
    /// Any other failure, with the errno read right after the call.
    case failed(Errno)

    /// Sorts a nonblocking call's result (after ``retryingInterrupts(_:)``) into the three cases.
    @inlinable @inline(__always)
    public init(_ result: Result<Value, Errno>) {
        switch result {
        case .success(let value): self = .processed(value)
        case .failure(let errno) where errno.rawValue == EAGAIN || errno.rawValue == EWOULDBLOCK: self = .wouldBlock
        case .failure(let errno): self = .failed(errno)
        }
    }
}
