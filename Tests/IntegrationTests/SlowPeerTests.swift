import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// Slow and many peers: a trickled request is cut off at its deadline however steadily bytes arrive, and at the
/// connection cap idle kept-alive connections make room for new ones.
@Suite(.serialized)
final class SlowPeerTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let httpPort: UInt16

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
        self.httpPort = Harness.freePort()
    }

    /// `keygate serve` with one worker, the FastCGI unix listener and an HTTP listener on `httpPort`.
    func server(_ extra: [String]) throws -> KeygateServer {
        try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1,
            extra: ["--listen", "http://127.0.0.1:\(self.httpPort)"] + extra)
    }

    /// A head as nginx's shipped config sends it, kept alive.
    func head(close: Bool = false) -> [UInt8] {
        var lines = [
            "GET /_keygate HTTP/1.1", "Host: keygate", "X-Original-URI: /api/things", "X-Original-Method: GET",
            "X-Forwarded-For: 127.0.0.1", "X-Api-Key: \(self.key.secret)",
        ]
        if close { lines.append("Connection: close") }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Sends a head on a new or given connection and returns the answer's status, or nil if none came within 2 s.
    func status(of head: [UInt8], on socket: RawSocket) -> Int? {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        socket.send(head)
        let bytes = socket.receive { $0.count >= 4 && $0.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// Sends `bytes` one every 300 ms until keygate closes the connection (EOF or reset) or `limit` seconds pass;
    /// returns the seconds from the first byte to the close, or nil if the connection outlived the limit.
    /// `meanwhile` runs once, after the first second.
    func secondsUntilClosed(trickling bytes: [UInt8], to socket: RawSocket, limit: Double = 8, meanwhile: () -> Void)
        -> Double?
    {
        let start = Date()
        var ranMeanwhile = false
        for byte in bytes {
            guard Date().timeIntervalSince(start) < limit else { return nil }
            if Glibc.send(socket.fd, [byte], 1, Int32(MSG_NOSIGNAL)) < 0 { return Date().timeIntervalSince(start) }
            var poller = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 300) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let received = recv(socket.fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if received == 0 || (received < 0 && errno == ECONNRESET) { return Date().timeIntervalSince(start) }
                usleep(300_000)  // an answer would be a failure; the caller sees the request complete
            }
            if !ranMeanwhile && Date().timeIntervalSince(start) > 1 {
                ranMeanwhile = true
                meanwhile()
            }
        }
        return nil
    }

    @Test func aTrickledHTTPHeadIsClosedAtItsDeadlineWhileOthersAreAnswered() throws {
        let server = try self.server(["--request-timeout", "2s"])
        defer { server.stop() }
        let trickled = try RawSocket(port: self.httpPort)
        let head = self.head()
        #expect(Double(head.count) * 0.3 > 20, "the head must outlast the test's limit")
        var otherStatus: Int?
        let seconds = self.secondsUntilClosed(trickling: head, to: trickled) {
            otherStatus = (try? RawSocket(port: self.httpPort)).flatMap { self.status(of: self.head(), on: $0) }
        }
        let closedAfter = try #require(seconds, "a head trickled one byte per 300 ms kept its connection")
        #expect(closedAfter > 1.5 && closedAfter < 4.5)
        #expect(otherStatus == 204)
        #expect(server.log.contains("closing slow connection: request incomplete"))
    }

    @Test func aTrickledFastCGIRecordStreamIsClosedAtItsDeadlineWhileOthersAreAnswered() throws {
        let server = try self.server(["--request-timeout", "2s"])
        defer { server.stop() }
        let trickled = try FastCGISocket(path: server.socketPath)
        let request = FastCGISocket.request(
            keep: true, FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)]))
        var otherStatus: Int?
        let seconds = self.secondsUntilClosed(trickling: request, to: trickled) {
            guard let other = try? FastCGISocket(path: server.socketPath) else { return }
            other.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)])))
            if case .response(_, let stdout, _, _, _)? = try? other.answers().first {
                otherStatus = CGIResponse(parsing: stdout)?.status
            }
        }
        let closedAfter = try #require(seconds, "a FastCGI request trickled one byte per 300 ms kept its connection")
        #expect(closedAfter > 1.5 && closedAfter < 4.5)
        #expect(otherStatus == 204)
    }

    @Test func theDeadlineRestartsForTheNextRequestOnAKeptAliveConnection() throws {
        let server = try self.server(["--request-timeout", "4s"])
        defer { server.stop() }
        let socket = try RawSocket(port: self.httpPort)
        let first = self.head()
        let second = self.head()
        // The first request takes 2.5 s; the read that completes it also starts the second, which takes 3 s more:
        // 5.5 s on the connection, each request whole within 4 s of its own first byte.
        socket.send(Array(first.prefix(10)))
        usleep(2_500_000)
        #expect(self.status(of: Array(first.dropFirst(10)) + Array(second.prefix(10)), on: socket) == 204)
        usleep(3_000_000)
        #expect(self.status(of: Array(second.dropFirst(10)), on: socket) == 204)
    }

    @Test func aLingeringCloseEndsEvenIfThePeerKeepsSending() throws {
        let server = try self.server([])
        defer { server.stop() }
        let socket = try RawSocket(port: self.httpPort)
        #expect(self.status(of: self.head(close: true), on: socket) == 204)
        // keygate has shut its side down and reads until EOF: a peer that never stops sending must not keep it.
        let start = Date()
        var closedAfter: Double?
        for _ in 0..<30 where closedAfter == nil {
            if Glibc.send(socket.fd, [0x78], 1, Int32(MSG_NOSIGNAL)) < 0 {
                closedAfter = Date().timeIntervalSince(start)
            }
            usleep(300_000)
        }
        let seconds = try #require(closedAfter, "a lingering connection lived on while its peer kept sending")
        #expect(seconds < 5)
    }

    /// Opens `count` connections that each make one kept-alive request, in order, and then stay open idle.
    func idleConnections(_ count: Int) throws -> [RawSocket] {
        var idle: [RawSocket] = []
        for index in 0..<count {
            let socket = try RawSocket(port: self.httpPort)
            idle.append(socket)
            let status = self.status(of: self.head(), on: socket)
            try #require(status == 204, "connection \(index + 1) of \(count) was not answered")
            usleep(10_000)  // distinct activity times: the oldest idle connection is well defined
        }
        return idle
    }

    @Test func atTheConnectionCapIdleKeptAliveConnectionsMakeRoom() throws {
        let server = try self.server(["--max-connections", "20"])
        defer { server.stop() }
        let idle = try self.idleConnections(38)
        let fresh = try RawSocket(port: self.httpPort)
        let start = Date()
        #expect(self.status(of: self.head(), on: fresh) == 204)
        #expect(Date().timeIntervalSince(start) < 1)
        // 39 connections came to a cap of 20: at least the 19 least recently active were closed by keygate.
        for socket in idle.prefix(19) { #expect(socket.isClosedByPeer(timeout: 1)) }
        for socket in idle.suffix(10) { #expect(self.status(of: self.head(), on: socket) == 204) }
        let logged = Harness.eventually(timeout: 5) {
            server.log.contains("closed idle kept-alive connections to make room")
        }
        #expect(logged)
    }

    @Test func nginxReconnectsWhenItsPooledConnectionWasClosedToMakeRoom() throws {
        let server = try self.server(["--max-connections", "20"])
        defer { server.stop() }
        let nginx = try NginxServer(scratch: self.scratch, httpUpstream: "127.0.0.1:\(self.httpPort)")
        defer { nginx.stop() }
        let headers = ["X-API-Key": self.key.secret]
        #expect(try Curl.get(nginx.url("/api/things"), headers: headers).status == 200)
        // nginx's pooled connection is now the least recently active idle one; others crowd keygate past its cap.
        let idle = try self.idleConnections(38)
        let start = Date()
        for _ in 0..<5 { #expect(try Curl.get(nginx.url("/api/things"), headers: headers).status == 200) }
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(!nginx.errorLog.contains("upstream timed out"))
        withExtendedLifetime(idle) {}
        // nginx's first connection, the 38, and at least one new connection from nginx after its first was closed.
        #expect(server.stop() == 0)
        let accepted = server.log.split(separator: "\n").first { $0.contains("worker stopped") }
            .flatMap { $0.split(separator: " ").first { $0.hasPrefix("connections=") } }
            .flatMap { Int($0.dropFirst("connections=".count)) }
        #expect((accepted ?? 0) >= 40, "accepted \(accepted ?? 0) connections")
    }
}
