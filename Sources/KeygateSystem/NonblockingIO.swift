import CKeygateLinux
import Glibc

/// The calls a worker makes on its nonblocking descriptors, each wrapped once: `EINTR` retried, `EAGAIN` a case, errno
/// carried as a value.
public enum NonblockingIO {
    /// Reads what is available from `fd` into `buffer`; `.processed(0)` is the end of file (the peer closed).
    ///
    /// The corresponding C function is `read`.
    @inlinable @inline(__always)
    public static func read(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) -> IOResult<Int> {
        IOResult(retryingInterrupts { Glibc.read(fd, buffer.baseAddress, buffer.count) })
    }

    /// Sends as much of `bytes` as the peer's window takes, without raising `SIGPIPE` on a closed peer.
    ///
    /// The corresponding C function is `send` with `MSG_NOSIGNAL`.
    @inlinable @inline(__always)
    public static func send(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) -> IOResult<Int> {
        IOResult(retryingInterrupts { Glibc.send(fd, bytes.baseAddress, bytes.count, CInt(MSG_NOSIGNAL)) })
    }

    /// Accepts one waiting connection from listening socket `fd`, nonblocking and close-on-exec.
    ///
    /// The corresponding C function is `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`.
    @inlinable @inline(__always)
    public static func accept(_ fd: CInt) -> IOResult<CInt> {
        IOResult(
            retryingInterrupts {
                CKeygateLinux_accept4(fd, CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue))
            })
    }
}
