import Glibc
import KeygateCore
import Logging
import Testing

@testable import KeygateServer

/// A real ``Worker`` on a unix listening socket in /tmp, stepped one loop round (``Worker/turn(_:)``) at a time on the
/// test's thread, with a client socket playing nginx: the bytes it reads back and each connection's phase after every
/// step. No thread or process is started; every wait is bounded (epoll waits at most a second per round).
final class WorkerTests {
    static let key = KeyRecord(
        id: "kid_workertest0001", slot: 1, displayPrefix: "kg_abc", name: "web", owner: "team-web",
        scopes: ["reports:read"], createdAtSeconds: 1_700_000_000)
    static let secret = GateInMemoryTests.secret(11)
    static let allowed =
        "HTTP/1.1 204 No Content\r\nX-Keygate-Key-Id: kid_workertest0001\r\nX-Keygate-Key-Name: web\r\n"
        + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n\r\n"

    let path = temporaryPath("keygate-worker") + ".sock"
    let listener: ListeningSocket
    let worker: Worker
    /// The test thread's signal mask before the worker blocked its signals (restored in `deinit`).
    var signalMask = sigset_t()
    var clients: [CInt] = []

    init() throws {
        var signalMask = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &signalMask)
        self.signalMask = signalMask
        // Bound here rather than by `ListeningSocket.open`, which narrows the process's umask while it binds: other
        // tests in this process start children meanwhile, and they would inherit it.
        let fd = socket(
            AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = self.path
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0 && listen(fd, 16) == 0)
        self.listener = ListeningSocket(
            fd: fd, address: .unix(path: self.path), createdPath: self.path,
            wire: .http(try ForwardAuthStyle.parse("").get()))
        let source = try InMemoryKeySource()
        source.add(Self.key, secret: Self.secret)
        let logger = Logger(label: "test")
        let gate = try Gate(keys: source, policy: GatePolicy(), logger: logger)
        let configuration = WorkerConfiguration(databasePath: "(unused)", requestTimeoutMillis: 100)
        self.worker = try Worker(
            configuration: configuration, listeners: [listener], gate: gate, rollup: nil, logger: logger)
    }

    deinit {
        for fd in self.clients { close(fd) }
        close(self.listener.fd)
        unlink(self.path)
        pthread_sigmask(SIG_SETMASK, &self.signalMask, nil)
    }

    /// A client connected to the worker's socket (accepted at the next ``turn()``).
    func connect() throws -> CInt {
        let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        self.clients.append(fd)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in self.path.utf8.enumerated() { bytes[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(connected == 0)
        return fd
    }

    func send(_ fd: CInt, _ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
        try #require(sent == bytes.count)
    }

    /// One round of the worker's loop.
    func turn() throws {
        #expect(try self.worker.turn())
    }

    /// What the worker has sent `fd` so far (it sends before ``turn()`` returns), and whether it closed.
    /// What the client can read now (waiting up to `waitMillis` for the first byte or the end), and whether the worker
    /// closed the connection.
    func received(_ fd: CInt, waitMillis: CInt = 0) -> (text: String, closed: Bool) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Bounded: each round reads at least one byte or stops.
        for round in 0..<64 {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, round == 0 ? waitMillis : 0) == 1 else { break }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT)) }
            if count <= 0 { return (String(decoding: bytes, as: UTF8.self), true) }
            bytes += buffer[0..<count]
        }
        return (String(decoding: bytes, as: UTF8.self), false)
    }

    func isReading(_ phases: [ConnectionState.Phase]) -> Bool {
        guard phases.count == 1, case .readingRequest = phases[0] else { return false }
        return true
    }

    @Test func aKeptAliveConnectionGoesFromReadingToIdleAndBack() throws {
        let client = try self.connect()
        try self.turn()
        #expect(self.worker.connectionPhases == [.awaitingFirstRequest])
        let head = String(decoding: SessionTests.nginxHead(key: Self.secret), as: UTF8.self)
        let cut = head.index(head.startIndex, offsetBy: 30)
        try self.send(client, String(head[..<cut]))
        try self.turn()
        #expect(self.isReading(self.worker.connectionPhases))
        #expect(self.received(client) == ("", false))
        try self.send(client, String(head[cut...]))
        try self.turn()
        #expect(self.received(client) == (Self.allowed, false))
        #expect(self.worker.connectionPhases == [.idle])
        // The same connection serves the next request, again in two pieces: a missing key this time.
        let next = String(decoding: SessionTests.nginxHead(key: nil), as: UTF8.self)
        try self.send(client, String(next.prefix(40)))
        try self.turn()
        #expect(self.isReading(self.worker.connectionPhases))
        try self.send(client, String(next.dropFirst(40)))
        try self.turn()
        #expect(self.received(client) == (SessionPinned.nginxMissing, false))
        #expect(self.worker.connectionPhases == [.idle])
    }

    @Test func connectionCloseIsAnsweredThenClosed() throws {
        let client = try self.connect()
        try self.turn()
        try self.send(
            client,
            "GET /_keygate HTTP/1.1\r\nHost: keygate\r\nConnection: close\r\nX-Api-Key: \(Self.secret)\r\n"
                + "X-Keygate-Scope: reports:read\r\n\r\n")
        try self.turn()
        let closing = String(Self.allowed.dropLast()) + "Connection: close\r\n\r\n"
        #expect(self.received(client) == (closing, true))
        #expect(self.worker.connectionPhases == [])
    }

    @Test func aHeadCutMidWayIsClosedAtTheRequestTimeout() throws {
        let client = try self.connect()
        try self.send(client, "GET /_keygate HTTP/1.1\r\nHost: kee")
        try self.turn()
        #expect(self.isReading(self.worker.connectionPhases))
        // The sweep runs once a second and the request timeout is 100 ms: closed within a few rounds (bounded: a
        // round waits at most a second, and a loaded machine may need more than a few).
        for _ in 0..<30 where !self.worker.connectionPhases.isEmpty { try self.turn() }
        #expect(self.worker.connectionPhases == [])
        #expect(self.received(client, waitMillis: 2_000) == ("", true))
    }

    @Test func aMalformedHeadGetsTheFixed400AndIsClosed() throws {
        let client = try self.connect()
        try self.turn()
        try self.send(client, "GET /_keygate HTTP/1.1\r\nHost keygate\r\n\r\n")
        try self.turn()
        #expect(
            self.received(client)
                == ("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true))
        #expect(self.worker.connectionPhases == [])
    }
}
