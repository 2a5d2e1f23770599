import CKeygateLinux
import Glibc
import KeygateSystem
import Testing

/// The epoll wrapper: every `epoll_ctl` failure is reported with the call, the descriptor and the errno as text.
struct EpollTests {
    /// Waits on `epoll` for up to `timeoutMillis`; returns the events it reported.
    static func events(_ epoll: borrowing Epoll, timeoutMillis: CInt) throws -> [epoll_event] {
        var events = [epoll_event](repeating: epoll_event(), count: 4)
        let count = try events.withUnsafeMutableBufferPointer { try epoll.wait(into: $0, timeoutMillis: timeoutMillis) }
        return Array(events.prefix(count))
    }

    @Test func eventsCarryTheirTag() throws {
        let epoll = try Epoll()
        let (a, b) = try NonblockingIOTests.socketPair()
        defer {
            close(a)
            close(b)
        }
        try epoll.add(b, events: [.readable, .peerClosed], tag: 77)
        #expect(try Self.events(epoll, timeoutMillis: 0).isEmpty)
        _ = Array("x".utf8).withUnsafeBytes { NonblockingIO.send(a, $0) }
        let readable = try Self.events(epoll, timeoutMillis: 1_000)
        #expect(readable.map(\.data.u64) == [77])
        #expect(readable.map { EpollEvents(rawValue: $0.events) } == [.readable])
        try epoll.modify(b, events: [.readable, .writable], tag: 78)
        let both = try Self.events(epoll, timeoutMillis: 0)
        #expect(both.map(\.data.u64) == [78])
        #expect(both.map { EpollEvents(rawValue: $0.events) } == [[.readable, .writable]])
        try epoll.remove(b)
        #expect(try Self.events(epoll, timeoutMillis: 0).isEmpty)
    }

    @Test func aFailedAddIsReportedWithTheDescriptorAndTheErrnoAsText() throws {
        let epoll = try Epoll()
        // A regular file cannot be watched: EPERM.
        let path = "/tmp/keygate-epoll-\(getpid())"
        let fd = try syscall("open", detail: path) { open(path, O_RDWR | O_CREAT, 0o600) }
        defer {
            close(fd)
            unlink(path)
        }
        let error = try #require(#expect(throws: SystemCallError.self) { try epoll.add(fd, events: .readable, tag: 1) })
        #expect(error.errno == Errno(EPERM))
        #expect("\(error)" == "epoll_ctl(ADD, fd \(fd)): Operation not permitted (EPERM)")
    }

    @Test func modifyingOrRemovingAnUnwatchedDescriptorIsReported() throws {
        let epoll = try Epoll()
        let (a, b) = try NonblockingIOTests.socketPair()
        defer {
            close(a)
            close(b)
        }
        let modified = try #require(
            #expect(throws: SystemCallError.self) { try epoll.modify(a, events: .readable, tag: 1) })
        #expect("\(modified)" == "epoll_ctl(MOD, fd \(a)): No such file or directory (ENOENT)")
        let removed = try #require(#expect(throws: SystemCallError.self) { try epoll.remove(a) })
        #expect("\(removed)" == "epoll_ctl(DEL, fd \(a)): No such file or directory (ENOENT)")
        try epoll.add(a, events: .readable, tag: 1)
        let twice = try #require(#expect(throws: SystemCallError.self) { try epoll.add(a, events: .readable, tag: 1) })
        #expect("\(twice)" == "epoll_ctl(ADD, fd \(a)): File exists (EEXIST)")
    }
}
