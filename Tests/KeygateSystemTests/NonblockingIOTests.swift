import Glibc
import KeygateSystem
import Testing

/// Socket calls through the wrapper, on a real socket pair: data, "not now", end of file and errors as values.
struct NonblockingIOTests {
    /// A connected nonblocking unix stream pair; the caller closes both.
    static func socketPair() throws -> (CInt, CInt) {
        var fds: [CInt] = [-1, -1]
        _ = try syscall("socketpair") {
            socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds)
        }
        return (fds[0], fds[1])
    }

    @Test func readsWhatWasSentThenWouldBlock() throws {
        let (a, b) = try Self.socketPair()
        defer {
            close(a)
            close(b)
        }
        let sent = Array("hello".utf8).withUnsafeBytes { NonblockingIO.send(a, $0) }
        guard case .processed(5) = sent else {
            Issue.record("send: \(sent)")
            return
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        let read = buffer.withUnsafeMutableBytes { NonblockingIO.read(b, into: $0) }
        guard case .processed(5) = read else {
            Issue.record("read: \(read)")
            return
        }
        #expect(Array(buffer[0..<5]) == Array("hello".utf8))
        let again = buffer.withUnsafeMutableBytes { NonblockingIO.read(b, into: $0) }
        guard case .wouldBlock = again else {
            Issue.record("second read: \(again)")
            return
        }
    }

    @Test func aClosedPeerReadsAsEndOfFileAndSendingToItFailsWithoutSIGPIPE() throws {
        let (a, b) = try Self.socketPair()
        defer { close(a) }
        close(b)
        var buffer = [UInt8](repeating: 0, count: 16)
        let read = buffer.withUnsafeMutableBytes { NonblockingIO.read(a, into: $0) }
        guard case .processed(0) = read else {
            Issue.record("read: \(read)")
            return
        }
        // Without MSG_NOSIGNAL this would kill the test process.
        let sent = Array("x".utf8).withUnsafeBytes { NonblockingIO.send(a, $0) }
        guard case .failed(let errno) = sent else {
            Issue.record("send: \(sent)")
            return
        }
        #expect("\(errno)" == "Broken pipe (EPIPE)")
    }

    @Test func acceptWithNothingWaitingWouldBlock() throws {
        let fd = try syscall("socket") {
            socket(AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        _ = try syscall("bind") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        _ = try syscall("listen") { listen(fd, 4) }
        let accepted = NonblockingIO.accept(fd)
        guard case .wouldBlock = accepted else {
            Issue.record("accept: \(accepted)")
            return
        }
    }

    @Test func acceptOnAPlainSocketFailsWithItsErrno() throws {
        let (a, b) = try Self.socketPair()
        defer {
            close(a)
            close(b)
        }
        let accepted = NonblockingIO.accept(a)
        guard case .failed(let errno) = accepted else {
            Issue.record("accept: \(accepted)")
            return
        }
        #expect(errno == Errno(EINVAL))
    }
}
