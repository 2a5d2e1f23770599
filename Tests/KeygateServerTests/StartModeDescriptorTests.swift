import Glibc
import KeygateCore
import Testing

@testable import KeygateServer

/// The descriptor probe behind ``StartMode``, on real descriptors: only a listening socket means FastCGI, so a CGI
/// program's pipe, `/dev/null` or connected socket (Apache's mod_cgid) on descriptor 0 means CGI.
struct StartModeDescriptorTests {
    func mode(standardInput fd: CInt) -> StartMode {
        StartMode.resolving(
            argumentCount: 0, standardInputIsListeningSocket: ListeningSocket.isListeningSocket(fd),
            gatewayInterface: "CGI/1.1")
    }

    @Test func aListeningSocketIsFastCGI() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // An abstract address (leading NUL): nothing on the file system to clean up.
        let name = Array("\0keygate-start-mode-\(getpid())".utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0)
        #expect(self.mode(standardInput: fd) == .cgi, "bound but not listening")
        try #require(listen(fd, 1) == 0)
        #expect(self.mode(standardInput: fd) == .fastCGI)
    }

    @Test func aConnectedSocketAPipeAndDevNullAreCGI() throws {
        var pair: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { for fd in pair { close(fd) } }
        #expect(self.mode(standardInput: pair[0]) == .cgi)
        var pipeEnds: [CInt] = [-1, -1]
        try #require(pipe(&pipeEnds) == 0)
        defer { for fd in pipeEnds { close(fd) } }
        #expect(self.mode(standardInput: pipeEnds[0]) == .cgi)
        let null = open("/dev/null", O_RDONLY)
        try #require(null >= 0)
        defer { close(null) }
        #expect(self.mode(standardInput: null) == .cgi)
    }
}
