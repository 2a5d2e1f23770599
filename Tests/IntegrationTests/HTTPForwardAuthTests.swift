import Foundation
import Glibc
import Testing

/// `keygate serve --listen http://…`: the HTTP/1.1 forward-auth listener, spoken to directly, through the shipped
/// nginx files (`keygate-http.conf`) and through the shipped Caddyfile, next to a FastCGI listener in the same serve.
@Suite(.serialized)
final class HTTPForwardAuthTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let limited: (id: String, secret: String)
    /// nginx style (the default), Envoy style, and Caddy style on a unix socket.
    let nginxPort: UInt16
    let envoyPort: UInt16
    let caddySocket: String
    let server: KeygateServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db, ["--scope", "reports:read", "--owner", "team-a"])
        self.limited = try Harness.createKey(db: self.db, ["--limit", "2/min"])
        self.nginxPort = Harness.freePort()
        self.envoyPort = Harness.freePort()
        self.caddySocket = self.scratch.file("http.sock")
        self.server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1,
            extra: [
                "--listen", "http://127.0.0.1:\(self.nginxPort)", "--listen",
                "http://127.0.0.1:\(self.envoyPort)?for=envoy",
                "--listen", "http+unix:\(self.caddySocket)?for=caddy",
            ])
    }

    deinit {
        self.server.stop()
    }

    // MARK: - Spoken to directly

    /// A head as nginx's shipped config sends it.
    func head(key: String? = nil, uri: String = "/api/things", extra: [String] = []) -> String {
        var lines = [
            "GET /_keygate HTTP/1.1", "Host: keygate", "X-Original-URI: \(uri)", "X-Original-Method: GET",
            "X-Forwarded-For: 127.0.0.1",
        ]
        if let key { lines.append("X-Api-Key: \(key)") }
        return (lines + extra).joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Sends `text` and reads `count` bodiless responses (split at each blank line).
    func exchange(_ socket: RawSocket, _ text: String, count: Int = 1) -> [String] {
        socket.send(Array(text.utf8))
        let separator = Array("\r\n\r\n".utf8)
        func responses(_ bytes: [UInt8]) -> [String] {
            String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropLast().map { $0 }
        }
        let bytes = socket.receive { received in
            received.count >= 4 && responses(received).count >= count && received.suffix(4).elementsEqual(separator)
        }
        return responses(bytes)
    }

    @Test func allowIs204WithIdentityAndTheConnectionStaysOpen() throws {
        let socket = try RawSocket(port: self.nginxPort)
        for _ in 0..<3 {
            let response = try #require(self.exchange(socket, self.head(key: self.key.secret)).first)
            #expect(response.hasPrefix("HTTP/1.1 204 No Content\r\n"))
            #expect(response.contains("\r\nX-Keygate-Key-Id: \(self.key.id)"))
            #expect(response.contains("\r\nX-Keygate-Owner: team-a"))
            #expect(!response.contains("Content-Length"))
            #expect(!response.contains("Connection: close"))
        }
        // Connection: close is honoured: answered, then closed.
        let last = try #require(
            self.exchange(socket, self.head(key: self.key.secret, extra: ["Connection: close"])).first)
        #expect(last.hasPrefix("HTTP/1.1 204"))
        #expect(last.contains("\r\nConnection: close"))
        #expect(socket.isClosedByPeer())
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let plain = try RawSocket(port: self.nginxPort)
        let text = self.head(key: self.key.secret).replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")
        #expect(self.exchange(plain, text).first?.contains("Connection: close") == true)
        #expect(plain.isClosedByPeer())
        let kept = try RawSocket(port: self.nginxPort)
        let keepText = self.head(key: self.key.secret, extra: ["Connection: keep-alive"])
            .replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")
        #expect(self.exchange(kept, keepText).first?.contains("Connection: keep-alive") == true)
        #expect(self.exchange(kept, keepText).first?.hasPrefix("HTTP/1.1 204") == true)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let socket = try RawSocket(port: self.nginxPort)
        var text = ""
        for index in 0..<20 { text += self.head(key: index % 2 == 0 ? self.key.secret : nil) }
        let responses = self.exchange(socket, text, count: 20)
        #expect(responses.count == 20)
        for (index, response) in responses.enumerated() {
            #expect(response.hasPrefix(index % 2 == 0 ? "HTTP/1.1 204" : "HTTP/1.1 401"))
        }
    }

    @Test func denialsHaveNoBodyAndKeepTheConnection() throws {
        let socket = try RawSocket(port: self.nginxPort)
        let missing = try #require(self.exchange(socket, self.head()).first)
        #expect(missing.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(missing.contains("\r\nWWW-Authenticate: Bearer realm=\"api\""))
        #expect(missing.contains("\r\nContent-Length: 0"))
        #expect(missing.contains("\r\nX-Keygate-Reason: missing"))
        #expect(missing.contains("\r\nX-Keygate-Problem: {"))
        #expect(!missing.contains("Content-Type"))
        let scope = try #require(
            self.exchange(socket, self.head(key: self.key.secret, extra: ["X-Keygate-Scope: admin"])).first)
        #expect(scope.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(scope.contains("X-Keygate-Reason: insufficient_scope"))
        // nginx style: a limit denial is 403 + rate_limited (auth_request would turn a 429 into a 500).
        var statuses: [String] = []
        for _ in 0..<3 {
            statuses.append(
                String(try #require(self.exchange(socket, self.head(key: self.limited.secret)).first).prefix(12)))
        }
        #expect(statuses == ["HTTP/1.1 204", "HTTP/1.1 204", "HTTP/1.1 403"])
        let denied = try #require(self.exchange(socket, self.head(key: self.limited.secret)).first)
        #expect(denied.contains("X-Keygate-Reason: rate_limited"))
        #expect(denied.contains("\r\nRetry-After: "))
        #expect(denied.contains("\r\nRateLimit-Policy: "))
        // Still the same connection.
        #expect(self.exchange(socket, self.head(key: self.key.secret)).first?.hasPrefix("HTTP/1.1 204") == true)
    }

    @Test func envoyStyleAllowsWith200AndDeniesLimitsWithA429() throws {
        let socket = try RawSocket(port: self.envoyPort)
        // Envoy's check request is the original request line, with Content-Length: 0.
        let check = { (key: String) in
            "POST /api/orders?x=1 HTTP/1.1\r\nHost: api.example\r\nContent-Length: 0\r\nX-Api-Key: \(key)\r\n\r\n"
        }
        let allowed = try #require(self.exchange(socket, check(self.key.secret)).first)
        #expect(allowed.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(allowed.contains("\r\nContent-Length: 0"))
        _ = self.exchange(socket, check(self.limited.secret))
        _ = self.exchange(socket, check(self.limited.secret))
        let limited = try #require(self.exchange(socket, check(self.limited.secret)).first)
        #expect(limited.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        #expect(limited.contains("\r\nRetry-After: "))
        #expect(limited.contains("\r\nContent-Length: 0"))
    }

    @Test func hostileHeadsGetOneFixedAnswerAndTheWorkerLivesOn() throws {
        let workers = self.server.workers
        let hostile: [(String, String)] = [
            ("GET /_keygate HTTP/1.1\nHost: k\n\n", "400"),  // bare LF
            ("GET /_keygate HTTP/1.1\r\nHost: k\r\n folded\r\n\r\n", "400"),  // obs-fold
            ("GET /_keygate HTTP/1.1\r\nHost : k\r\n\r\n", "400"),  // space before colon
            ("GET /_keygate HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "400"),  // a body: never waited for
            ("GET /_keygate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
            ("GET /_keygate HTTP/1.1\r\nX-Api-Key: a\r\nX-Api-Key: b\r\n\r\n", "400"),  // duplicate read header
            ("GET http://evil/ HTTP/1.1\r\n\r\n", "400"),  // absolute-form
            ("GET /_keygate HTTP/2.0\r\n\r\n", "400"),
            ("GET /_keygate HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 10_000) + "\r\n\r\n", "431"),
            ("GET /_keygate HTTP/1.1\r\nX-A: \u{01}\r\n\r\n", "400"),
        ]
        for (text, status) in hostile {
            let socket = try RawSocket(port: self.nginxPort)
            let response = try #require(self.exchange(socket, text).first, "no answer to \(text.prefix(40))")
            #expect(response.hasPrefix("HTTP/1.1 \(status) "), "\(text.prefix(40))")
            #expect(response.contains("\r\nContent-Length: 0"))
            #expect(response.contains("\r\nConnection: close"))
            #expect(socket.isClosedByPeer())
        }
        // A valid request after an error on the same connection is never answered.
        let socket = try RawSocket(port: self.nginxPort)
        let responses = self.exchange(socket, "BAD\r\n\r\n" + self.head(key: self.key.secret), count: 2)
        #expect(responses.count == 1)
        #expect(
            self.exchange(try RawSocket(port: self.nginxPort), self.head(key: self.key.secret)).first?.hasPrefix(
                "HTTP/1.1 204") == true)
        #expect(self.server.workers == workers)
    }

    @Test func aPartialHeadIsKeptAcrossReads() throws {
        let socket = try RawSocket(port: self.nginxPort)
        let text = Array(self.head(key: self.key.secret).utf8)
        socket.send(Array(text[0..<17]))
        usleep(50_000)
        socket.send(Array(text[17..<60]))
        usleep(50_000)
        let response = self.exchange(socket, String(decoding: text[60...], as: UTF8.self)).first
        #expect(response?.hasPrefix("HTTP/1.1 204") == true)
    }

    // MARK: - Through real nginx

    /// Total connections the workers accepted, from their exit log lines (so the server must be stopped first).
    func acceptedConnections() -> Int {
        self.server.log.components(separatedBy: "\n").filter { $0.contains("worker stopped") }.compactMap { line in
            line.components(separatedBy: " ").first { $0.hasPrefix("connections=") }.flatMap { Int($0.dropFirst(12)) }
        }.reduce(0, +)
    }

    @Test func throughNginxWithTheShippedHTTPConfig() throws {
        let nginx = try NginxServer(scratch: self.scratch, httpUpstream: "127.0.0.1:\(self.nginxPort)")
        defer { nginx.stop() }
        let ok = try Curl.get(nginx.url("/api/things?x=1"), headers: ["Authorization": "Bearer \(self.key.secret)"])
        #expect(ok.status == 200)
        #expect(ok.body.contains("uri=/api/things?x=1"))
        #expect(ok.body.contains("key_id=\(self.key.id) "))
        #expect(!ok.body.contains(self.key.secret))

        let missing = try Curl.get(nginx.url("/api/things"))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(missing.body.contains("\"type\":\"urn:keygate:problem:missing\""))

        let scope = try Curl.get(nginx.url("/api/admin/x"), headers: ["X-API-Key": self.key.secret])
        #expect(scope.status == 403)
        #expect(scope.body.contains("\"missing_scopes\":[\"admin\"]"))

        var statuses: [Int] = []
        var last: HTTPResponse?
        for _ in 0..<3 {
            let response = try Curl.get(nginx.url("/api/things"), headers: ["X-API-Key": self.limited.secret])
            statuses.append(response.status)
            last = response
        }
        #expect(statuses == [200, 200, 429])
        #expect(last?.header("Retry-After").flatMap { Int($0) }.map { $0 > 0 && $0 <= 60 } == true)
        #expect(last?.header("RateLimit-Policy") != nil)
        #expect(last?.body.contains("\"status\":429") == true)
        #expect(!nginx.errorLog.contains("auth request unexpected status"))

        // Revoked at once, through the pooled connection.
        let victim = try Harness.createKey(db: self.db)
        #expect(try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": victim.secret]).status == 200)
        #expect(try Harness.keygate(["keys", "revoke", "--db", self.db, victim.id]).status == 0)
        let revoked = try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": victim.secret])
        #expect(revoked.status == 401)
        #expect(revoked.header("X-Keygate-Reason") == "revoked")
    }

    @Test func nginxReusesItsConnectionsToKeygate() throws {
        let nginx = try NginxServer(scratch: self.scratch, httpUpstream: "127.0.0.1:\(self.nginxPort)")
        defer { nginx.stop() }
        // One curl, 200 requests (allowed and denied alike) over one client connection to nginx.
        var arguments = ["-sS", "-w", "%{http_code}\\n", "--max-time", "60", "-H", "X-API-Key: \(self.key.secret)"]
        for index in 0..<200 {
            arguments += ["-o", "/dev/null", nginx.url(index % 4 == 3 ? "/api/admin" : "/api/x")]
        }
        let result = try Harness.run("/usr/bin/curl", arguments, timeout: 60)
        let codes = result.stdout.split(separator: "\n")
        #expect(codes.count == 200)
        #expect(codes.filter { $0 == "200" }.count == 150)
        #expect(codes.filter { $0 == "403" }.count == 50)
        #expect(self.server.stop() == 0)
        let accepted = self.acceptedConnections()
        #expect(accepted >= 1 && accepted <= 5, "accepted \(accepted) connections for 200 checks")
    }

    // MARK: - Through real Caddy

    @Test func throughCaddyWithTheShippedCaddyfile() throws {
        let caddy = try CaddyServer(scratch: self.scratch, keygateAddress: "unix/\(self.caddySocket)")
        defer { caddy.stop() }
        let ok = try Curl.get(
            caddy.url("/api/reports/daily?x=1"),
            headers: ["X-API-Key": self.key.secret, "X-Keygate-Key-Id": "spoofed"])
        #expect(ok.status == 200)
        #expect(ok.body.contains("key_id=\(self.key.id) "))
        #expect(ok.body.contains("scopes=reports:read "))
        #expect(!ok.body.contains("spoofed"))
        #expect(!ok.body.contains(self.key.secret))

        let missing = try Curl.get(caddy.url("/api/things"))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(missing.header("X-Keygate-Reason") == "missing")

        let other = try Harness.createKey(db: self.db)
        let scope = try Curl.get(caddy.url("/api/reports"), headers: ["X-API-Key": other.secret])
        #expect(scope.status == 403)
        #expect(scope.header("X-Keygate-Reason") == "insufficient_scope")

        // A client's own X-Keygate-Cost: 0 or X-Keygate-Scope never reaches keygate: the Caddyfile sets both.
        var statuses: [Int] = []
        var last: HTTPResponse?
        for _ in 0..<3 {
            let response = try Curl.get(
                caddy.url("/api/things"), headers: ["X-API-Key": self.limited.secret, "X-Keygate-Cost": "0"])
            statuses.append(response.status)
            last = response
        }
        #expect(statuses == [200, 200, 429])
        #expect(last?.header("Retry-After").flatMap { Int($0) }.map { $0 > 0 && $0 <= 60 } == true)
        #expect(last?.header("X-Keygate-Reason") == "rate_limited")
        #expect(
            try Curl.get(caddy.url("/api/things"), headers: ["X-API-Key": self.key.secret, "X-Keygate-Scope": "admin"])
                .status == 200)

        for _ in 0..<50 { _ = try Curl.get(caddy.url("/api/things"), headers: ["X-API-Key": self.key.secret]) }
        caddy.stop()
        #expect(self.server.stop() == 0)
        let accepted = self.acceptedConnections()
        #expect(accepted >= 1 && accepted <= 10, "accepted \(accepted) connections for ~60 checks")
    }
}
