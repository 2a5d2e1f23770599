import CKeygateLinux
import Glibc

/// The epoll event bits keygate uses, as a typed set over the C `uint32_t`.
public struct EpollEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Data to read, or a connection to accept (`EPOLLIN`).
    public static let readable = EpollEvents(rawValue: EPOLLIN.rawValue)
    /// Room in the send buffer (`EPOLLOUT`).
    public static let writable = EpollEvents(rawValue: EPOLLOUT.rawValue)
    /// The peer shut down its writing side (`EPOLLRDHUP`).
    public static let peerClosed = EpollEvents(rawValue: EPOLLRDHUP.rawValue)
    /// Hang-up (`EPOLLHUP`; always reported).
    public static let hangUp = EpollEvents(rawValue: EPOLLHUP.rawValue)
    /// An error on the descriptor (`EPOLLERR`; always reported).
    public static let error = EpollEvents(rawValue: EPOLLERR.rawValue)
    /// Wake one waiter, not every epoll set watching the descriptor (`EPOLLEXCLUSIVE`; `add` only).
    public static let exclusive = EpollEvents(rawValue: EPOLLEXCLUSIVE.rawValue)

    /// Anything that makes a read worth trying: data, end of file, hang-up or an error.
    public static let input: EpollEvents = [.readable, .peerClosed, .hangUp, .error]
}
