import CKeygateLinux
import Glibc

/// An epoll instance: the descriptors one worker waits on, each registered with a 64-bit tag that events carry back.
///
/// Owns its descriptor and closes it when it goes away. Every `epoll_ctl` result is checked: a failure throws a
/// ``SystemCallError`` such as `epoll_ctl(ADD, fd 12): No space left on device (ENOSPC)` (a bad descriptor is a bug
/// in this process and traps).
public struct Epoll: ~Copyable {
    /// The epoll descriptor, valid until this value is gone.
    public let fd: CInt

    /// Creates an epoll instance (close-on-exec). The corresponding C function is `epoll_create1`.
    public init() throws(SystemCallError) {
        self.fd = try syscall("epoll_create1") { epoll_create1(CInt(EPOLL_CLOEXEC)) }
    }

    deinit {
        Glibc.close(self.fd)
    }

    /// Starts watching `fd` for `events`; events for it carry `tag`. The C call is `epoll_ctl(EPOLL_CTL_ADD)`.
    @inlinable
    public func add(_ fd: CInt, events: EpollEvents, tag: UInt64) throws(SystemCallError) {
        try self.control(EPOLL_CTL_ADD, "ADD", fd, events: events, tag: tag)
    }

    /// Changes what `fd` is watched for. The C call is `epoll_ctl(EPOLL_CTL_MOD)`.
    @inlinable
    public func modify(_ fd: CInt, events: EpollEvents, tag: UInt64) throws(SystemCallError) {
        try self.control(EPOLL_CTL_MOD, "MOD", fd, events: events, tag: tag)
    }

    /// Stops watching `fd`. The C call is `epoll_ctl(EPOLL_CTL_DEL)`.
    @inlinable
    public func remove(_ fd: CInt) throws(SystemCallError) {
        _ = try syscall("epoll_ctl(DEL, fd \(fd))") { epoll_ctl(self.fd, EPOLL_CTL_DEL, fd, nil) }
    }

    @usableFromInline
    func control(
        _ operation: CInt, _ name: StaticString, _ fd: CInt, events: EpollEvents, tag: UInt64
    ) throws(SystemCallError) {
        var event = epoll_event()
        event.events = events.rawValue
        event.data.u64 = tag
        _ = try syscall("epoll_ctl(\(name), fd \(fd))") { epoll_ctl(self.fd, operation, fd, &event) }
    }

    /// Waits up to `timeoutMillis` for events and stores them in `events`; returns how many (0 on timeout).
    ///
    /// The corresponding C function is `epoll_wait`.
    public func wait(
        into events: UnsafeMutableBufferPointer<epoll_event>, timeoutMillis: CInt
    ) throws(SystemCallError) -> Int {
        Int(try syscall("epoll_wait") { epoll_wait(self.fd, events.baseAddress, CInt(events.count), timeoutMillis) })
    }
}
