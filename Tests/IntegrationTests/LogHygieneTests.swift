import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// What `keygate serve` writes to its log: never a key, at any level, and no flood from hostile peers.
@Suite(.serialized)
final class LogHygieneTests {
    let scratch: Scratch
    let db: String
    let httpPort: UInt16
    let server: KeygateServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        _ = try Harness.createKey(db: self.db)
        self.httpPort = Harness.freePort()
        self.server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1,
            extra: ["--key-query-param", "api_key", "--listen", "http://127.0.0.1:\(self.httpPort)"])
    }

    deinit {
        self.server.stop()
    }

    /// One way of presenting a key: the request's URI and headers.
    struct Presentation {
        var uri: String
        var headers: [(String, String)]
    }

    static func presentations(of key: String) -> [Presentation] {
        [
            Presentation(uri: "/api/x", headers: [("Authorization", "Bearer \(key)")]),
            Presentation(uri: "/api/x", headers: [("X-Api-Key", key)]),
            Presentation(uri: "/api/x?api_key=\(key)", headers: []),
            Presentation(uri: "/api/x?page=2&other=\(key)", headers: []),
        ]
    }

    /// Asks over HTTP (nginx style) and returns `X-Keygate-Reason`, or "allow" for a 204.
    func askHTTP(_ presentation: Presentation, scope: String?) throws -> String {
        var lines = [
            "GET /_keygate HTTP/1.1", "Host: keygate", "X-Original-URI: \(presentation.uri)",
            "X-Original-Method: GET", "X-Forwarded-For: 127.0.0.1", "Connection: close",
        ]
        lines += presentation.headers.map { "\($0.0): \($0.1)" }
        if let scope { lines.append("X-Keygate-Scope: \(scope)") }
        let socket = try RawSocket(port: self.httpPort)
        socket.send(Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
        let response = String(decoding: socket.receive { _ in false }, as: UTF8.self)
        if response.hasPrefix("HTTP/1.1 204") { return "allow" }
        let reason = response.components(separatedBy: "\r\n").first { $0.hasPrefix("X-Keygate-Reason: ") }
        return reason.map { String($0.dropFirst("X-Keygate-Reason: ".count)) } ?? "status: \(response.prefix(12))"
    }

    /// Asks over FastCGI (nginx's fastcgi_params) and returns `X-Keygate-Reason`, or "allow" for a 204.
    func askFastCGI(_ presentation: Presentation, scope: String?) throws -> String {
        let query = presentation.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let headers = presentation.headers.map { name, value in
            ("HTTP_" + name.uppercased().replacingOccurrences(of: "-", with: "_"), value)
        }
        var params = FastCGISocket.nginxParams(uri: presentation.uri, headers: headers, scope: scope)
        params = params.map { $0.0 == "QUERY_STRING" ? ($0.0, query) : $0 }
        let socket = try FastCGISocket(path: self.server.socketPath)
        socket.send(FastCGISocket.request(params))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first,
            let response = CGIResponse(parsing: stdout)
        else { throw HarnessError("no FastCGI response") }
        return response.status == 204 ? "allow" : response.header("X-Keygate-Reason") ?? "status: \(response.status)"
    }

    @Test func noKeyOrSliceOfOneReachesTheDebugLogForAnyDenial() throws {
        let other = self.scratch.file("other.db")
        let valid = try Harness.createKey(db: self.db).secret
        let malformed = String(valid.dropLast()) + (valid.last == "A" ? "B" : "A")
        let cases: [(key: String, scope: String?, reasons: Set<String>)] = [
            (valid, nil, ["allow"]),
            (malformed, nil, ["malformed"]),
            (try Harness.createKey(db: other).secret, nil, ["unknown"]),
            (try Harness.createKey(db: self.db, ["--expires", "1s"]).secret, nil, ["expired"]),
            (try self.changed(Harness.createKey(db: self.db), ["keys", "revoke"]), nil, ["revoked"]),
            (try self.changed(Harness.createKey(db: self.db), ["keys", "update", "--disable"]), nil, ["disabled"]),
            (try Harness.createKey(db: self.db, ["--allow-ip", "10.0.0.0/8"]).secret, nil, ["ip_not_allowed"]),
            (
                try Harness.createKey(db: self.db, ["--allow-origin", "https://a.example"]).secret, nil,
                ["origin_not_allowed"]
            ),
            (try Harness.createKey(db: self.db, ["--scope", "reports:read"]).secret, "admin", ["insufficient_scope"]),
            (try Harness.createKey(db: self.db, ["--limit", "1/min"]).secret, nil, ["allow", "rate_limited"]),
        ]
        usleep(1_100_000)  // the --expires 1s key has expired
        var seen: Set<String> = [try self.askHTTP(Presentation(uri: "/api/x", headers: []), scope: nil)]
        for (key, scope, reasons) in cases {
            for (index, presentation) in Self.presentations(of: key).enumerated() {
                // The last presentation puts the key in a parameter keygate does not read: a "missing" key.
                let expected = index == 3 ? ["missing"] : reasons
                for ask in [self.askHTTP, self.askFastCGI] {
                    let reason = try ask(presentation, scope)
                    #expect(expected.contains(reason), "\(presentation.uri) \(presentation.headers): \(reason)")
                    seen.insert(reason)
                }
            }
        }
        #expect(
            seen == [
                "allow", "missing", "malformed", "unknown", "expired", "revoked", "disabled", "ip_not_allowed",
                "origin_not_allowed", "insufficient_scope", "rate_limited",
            ])
        // Every denial was logged, key ids and all, before looking for keys in the log.
        #expect(Harness.eventually { self.server.log.components(separatedBy: " denied ").count - 1 >= 70 })
        let log = self.server.log
        #expect(log.contains("reason=revoked"))
        #expect(log.contains("uri=/api/x?api_key=[redacted]"))
        #expect(log.contains("uri=/api/x?page=2&other=[redacted]"))
        for key in cases.map(\.key) {
            let utf8 = Array(key.utf8)
            for start in 0...(utf8.count - 20) {
                let slice = String(decoding: utf8[start..<(start + 20)], as: UTF8.self)
                #expect(!log.contains(slice), "a 20-character slice of a key is in the log")
            }
        }
    }

    /// Applies a CLI change (`keys revoke`, `keys update --disable`) to a new key; returns its secret.
    func changed(_ key: (id: String, secret: String), _ command: [String]) throws -> String {
        let result = try Harness.keygate(Array(command.prefix(2)) + ["--db", self.db, key.id] + command.dropFirst(2))
        guard result.status == 0 else { throw HarnessError("\(command): \(result.stderr)") }
        return key.secret
    }

    @Test func aFloodOfBadConnectionsWritesABoundedLogWithACount() throws {
        let warning = " warning: closing connection after a protocol error"
        let report = " similar lines suppressed: closing connection after a protocol error"
        func lines(containing text: String) -> [String] {
            self.server.log.components(separatedBy: "\n").filter { $0.contains(text) }
        }
        let before = self.server.log.components(separatedBy: "\n").count
        for _ in 0..<500 {
            let socket = try RawSocket(port: self.httpPort)
            socket.send(Array("NOT HTTP AT ALL\r\n\r\n".utf8))
            #expect(socket.isClosedByPeer())
        }
        let flood = self.server.log.components(separatedBy: "\n").count - before
        #expect(flood <= 25, "\(flood) lines for 500 bad connections")
        #expect(lines(containing: warning).count >= 10)
        // Once the 10 s window has rolled, the next line of any kind reports the count.
        usleep(10_200_000)
        let socket = try RawSocket(port: self.httpPort)
        socket.send(Array("NOT HTTP AT ALL\r\n\r\n".utf8))
        #expect(socket.isClosedByPeer())
        #expect(Harness.eventually { !lines(containing: report).isEmpty })
        // Every bad connection is either logged or counted in a report.
        let suppressed = lines(containing: report).compactMap { line in
            line.components(separatedBy: " warning: ").last?.split(separator: " ").first.flatMap { Int($0) }
        }
        #expect(lines(containing: warning).count + suppressed.reduce(0, +) == 501, "\(lines(containing: report))")
    }
}
