import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// `keygate serve` driven over its unix socket by libfcgi's `cgi-fcgi` and by a raw FastCGI client.
@Suite(.serialized)
final class FastCGIServeTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let server: KeygateServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db, ["--scope", "reports:read", "--owner", "team-a"])
        self.server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 2,
            extra: ["--request-timeout", "1s", "--max-params-bytes", "4096", "--max-connections", "64"])
    }

    deinit {
        self.server.stop()
    }

    func ask(_ headers: [(String, String)], scope: String? = nil, uri: String = "/api/x") throws -> CGIResponse {
        let socket = try FastCGISocket(path: self.server.socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(uri: uri, headers: headers, scope: scope)))
        let answers = try socket.answers()
        guard case .response(_, let stdout, _, let appStatus, let protocolStatus)? = answers.first else {
            throw HarnessError("no FastCGI response: \(answers)")
        }
        #expect(appStatus == 0)
        #expect(protocolStatus == 0)
        return try #require(CGIResponse(parsing: stdout))
    }

    @Test func cgiFcgiFromLibfcgiGetsAllowAndDeny() throws {
        let environment = [
            "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/reports", "REMOTE_ADDR": "127.0.0.1",
            "KEYGATE_SCOPE": "reports:read",
        ]
        let allowed = try Harness.run(
            "/usr/bin/cgi-fcgi", ["-bind", "-connect", self.server.socketPath],
            environment: environment.merging(["HTTP_AUTHORIZATION": "Bearer \(self.key.secret)"]) { $1 })
        // (cgi-fcgi's own exit status is not checked: it may get EPIPE writing STDIN after keygate answered.)
        #expect(allowed.stdout.contains("Status: 204\r\n"))
        #expect(allowed.stdout.contains("X-Keygate-Key-Id: \(self.key.id)\r\n"))
        #expect(allowed.stdout.contains("X-Keygate-Owner: team-a\r\n"))
        #expect(!allowed.stdout.contains(self.key.secret))

        let denied = try Harness.run(
            "/usr/bin/cgi-fcgi", ["-bind", "-connect", self.server.socketPath], environment: environment)
        #expect(denied.stdout.contains("Status: 401\r\n"))
        #expect(denied.stdout.contains("WWW-Authenticate: Bearer realm=\"api\"\r\n"))
        #expect(denied.stdout.contains("\"reason\":\"missing\""))
    }

    @Test func outcomesOverTheWire() throws {
        let bearer = [("HTTP_AUTHORIZATION", "Bearer \(self.key.secret)")]
        #expect(try self.ask(bearer).status == 204)
        #expect(try self.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        #expect(try self.ask(bearer, scope: "reports:read").status == 204)
        let scoped = try self.ask(bearer, scope: "admin")
        #expect(scoped.status == 403)
        #expect(scoped.header("X-Keygate-Reason") == "insufficient_scope")
        let malformed = try self.ask([("HTTP_X_API_KEY", "kg_definitely-not-a-key")])
        #expect(malformed.status == 401)
        #expect(malformed.header("X-Keygate-Reason") == "malformed")
        let mistyped = String(self.key.secret.dropLast()) + (self.key.secret.last == "a" ? "b" : "a")
        #expect(try self.ask([("HTTP_X_API_KEY", mistyped)]).header("X-Keygate-Reason") == "malformed")
        let stranger = try Harness.createKey(db: self.scratch.file("other.db"))
        #expect(try self.ask([("HTTP_X_API_KEY", stranger.secret)]).header("X-Keygate-Reason") == "unknown")
    }

    @Test func apacheAuthorizerRoleAllowsWithExactly200() throws {
        let socket = try FastCGISocket(path: self.server.socketPath)
        let params = [
            ("FCGI_APACHE_ROLE", "ACCESS_CHECKER"), ("REQUEST_URI", "/x"), ("REQUEST_METHOD", "GET"),
            ("REMOTE_ADDR", "127.0.0.1"), ("HTTP_AUTHORIZATION", "Bearer \(self.key.secret)"),
        ]
        // mod_fcgid sends no STDIN at all in authorizer roles: keygate must answer from PARAMS alone.
        socket.send(
            FastCGIClientEncoder.beginRequest(id: 1, role: 2, keepConnection: false)
                + FastCGIClientEncoder.params(id: 1, params))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            Issue.record("no answer"); return
        }
        let response = try #require(CGIResponse(parsing: stdout))
        #expect(response.status == 200)
        #expect(response.header("Variable-KEYGATE_KEY_ID") == self.key.id)
    }

    @Test func revokeDisableAndExpiryApplyFromTheNextRequestInEveryWorker() throws {
        let expiring = try Harness.createKey(db: self.db, ["--expires", "2s"])
        let bearer = [("HTTP_AUTHORIZATION", "Bearer \(self.key.secret)")]
        // Warm every worker's cache with the key first.
        for _ in 0..<20 { #expect(try self.ask(bearer).status == 204) }
        #expect(try Harness.keygate(["keys", "update", "--db", self.db, self.key.id, "--disable"]).status == 0)
        for _ in 0..<20 { #expect(try self.ask(bearer).header("X-Keygate-Reason") == "disabled") }
        #expect(try Harness.keygate(["keys", "update", "--db", self.db, self.key.id, "--enable"]).status == 0)
        for _ in 0..<20 { #expect(try self.ask(bearer).status == 204) }
        #expect(try Harness.keygate(["keys", "revoke", "--db", self.db, self.key.id]).status == 0)
        for _ in 0..<20 { #expect(try self.ask(bearer).header("X-Keygate-Reason") == "revoked") }

        #expect(try self.ask([("HTTP_X_API_KEY", expiring.secret)]).status == 204)
        usleep(2_200_000)
        #expect(try self.ask([("HTTP_X_API_KEY", expiring.secret)]).header("X-Keygate-Reason") == "expired")
    }

    @Test func rotationKeepsTheOldSecretForTheGracePeriod() throws {
        let rotated = try Harness.keygate(["keys", "rotate", "--db", self.db, self.key.id, "--grace", "2s", "--json"])
        #expect(rotated.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any]
        let newSecret = try #require(object?["key"] as? String)
        #expect(newSecret != self.key.secret)
        #expect(object?["id"] as? String == self.key.id)
        #expect(try self.ask([("HTTP_X_API_KEY", newSecret)]).status == 204)
        #expect(try self.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        usleep(2_200_000)
        #expect(try self.ask([("HTTP_X_API_KEY", self.key.secret)]).header("X-Keygate-Reason") == "expired")
        #expect(try self.ask([("HTTP_X_API_KEY", newSecret)]).status == 204)
    }

    @Test func getValuesReportsTrueLimits() throws {
        let socket = try FastCGISocket(path: self.server.socketPath)
        socket.send(
            FastCGIClientEncoder.getValues(["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS", "FCGI_NOPE"]))
        let answers = try socket.answers()
        #expect(answers.first == .values(["FCGI_MAX_CONNS": "64", "FCGI_MAX_REQS": "64", "FCGI_MPXS_CONNS": "0"]))
    }

    @Test func unknownRoleGetsUnknownRoleAndTheConnectionCloses() throws {
        let socket = try FastCGISocket(path: self.server.socketPath)
        socket.send(FastCGISocket.request(role: 3, [("REQUEST_URI", "/")]))
        guard case .response(let id, _, _, _, let protocolStatus)? = try socket.answers().first else {
            Issue.record("no END_REQUEST")
            return
        }
        #expect(id == 1)
        #expect(protocolStatus == 3)
        #expect(socket.isClosedByPeer())
    }

    @Test func keepConnectionServesManyRequestsOnOneConnection() throws {
        let socket = try FastCGISocket(path: self.server.socketPath)
        for round in 0..<5 {
            socket.send(
                FastCGISocket.request(
                    keep: true, FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)])))
            guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
                Issue.record("no answer in round \(round)")
                return
            }
            #expect(CGIResponse(parsing: stdout)?.status == 204)
        }
        socket.send(FastCGISocket.request(keep: false, FastCGISocket.nginxParams()))
        #expect(try socket.answers().count == 1)
        #expect(socket.isClosedByPeer())
    }

    @Test func abortRequestIsAnswered() throws {
        let socket = try FastCGISocket(path: self.server.socketPath)
        socket.send(
            FastCGIClientEncoder.beginRequest(id: 7, role: 1, keepConnection: true)
                + FastCGIClientEncoder.record(
                    type: 4, id: 7, content: FastCGIClientEncoder.nameValuePairs([("REQUEST_URI", "/")]))
                + FastCGIClientEncoder.abortRequest(id: 7))
        guard case .response(let id, let stdout, _, _, let protocolStatus)? = try socket.answers().first else {
            Issue.record("no END_REQUEST after ABORT_REQUEST")
            return
        }
        #expect(id == 7)
        #expect(stdout.isEmpty)
        #expect(protocolStatus == 0)
    }

    @Test func hostileInputEndsOnlyThatConnection() throws {
        let workersBefore = Set(self.server.workers)
        let hostile: [[UInt8]] = [
            [9, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],  // version 9
            FastCGIClientEncoder.record(type: 1, id: 1, content: [0, 1, 0]),  // short BEGIN_REQUEST body
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
                + FastCGIClientEncoder.record(type: 4, id: 1, content: [0x85, 0, 0])
                + FastCGIClientEncoder.record(type: 4, id: 1, content: []),
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
                + FastCGIClientEncoder.params(id: 1, [("HUGE", String(repeating: "x", count: 5000))]),
            Array(repeating: 0xFF, count: 300),
        ]
        for bytes in hostile {
            let socket = try FastCGISocket(path: self.server.socketPath)
            socket.send(bytes)
            #expect(socket.isClosedByPeer(), "hostile input \(bytes.prefix(16)) did not close the connection")
        }
        #expect(Set(self.server.workers) == workersBefore, "a worker died")
        #expect(try self.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        #expect(self.server.log.contains("protocol error"))
    }

    @Test func stalledPeerNeitherDelaysOthersNorLivesForever() throws {
        // Several half-sent requests: each worker holds stalled connections, yet others are answered at once.
        var stalled: [FastCGISocket] = []
        for _ in 0..<6 {
            let socket = try FastCGISocket(path: self.server.socketPath)
            socket.send(Array(FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false).prefix(11)))
            stalled.append(socket)
        }
        let start = Date()
        for _ in 0..<10 { #expect(try self.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204) }
        #expect(Date().timeIntervalSince(start) < 2.0)
        for socket in stalled { #expect(socket.isClosedByPeer(timeout: 4)) }
        #expect(self.server.log.contains("closing slow connection"))
    }

    @Test func logsNeverContainTheKey() throws {
        _ = try self.ask([("HTTP_X_API_KEY", self.key.secret)], scope: "admin")
        _ = try self.ask([("HTTP_AUTHORIZATION", "Bearer " + String(self.key.secret.dropLast(2)))])
        #expect(!self.server.log.contains(self.key.secret))
        #expect(!self.server.log.contains(String(self.key.secret.dropLast(2))))
    }

    /// `--log-format json`: every line on stderr, the supervisor's and each worker's, is one JSON object with the fixed
    /// members; a denial logged at debug names its reason and key id, and no line holds the key.
    @Test func jsonLogsAreOneObjectPerLineWithoutTheKey() throws {
        let scratch = try Scratch()
        let db = scratch.file("keys.db")
        let key = try Harness.createKey(db: db, ["--scope", "reports:read"])
        _ = try Harness.keygate(["keys", "revoke", "--db", db, key.id])
        let server = try KeygateServer(db: db, scratch: scratch, workers: 2, extra: ["--log-format", "json"])
        defer { server.stop() }
        let socket = try FastCGISocket(path: server.socketPath)
        socket.send(
            FastCGISocket.request(
                FastCGISocket.nginxParams(uri: "/api/x", headers: [("HTTP_X_API_KEY", key.secret)], scope: nil)))
        _ = try socket.answers()
        server.stop()
        let lines = server.log.split(separator: "\n").map(String.init)
        #expect(lines.count >= 3)  // the supervisor and two workers at least said they started
        var denial: [String: Any]? = nil
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let parsed = try #require(object, "not a JSON object: \(line)")
            #expect(parsed["time"] is String && parsed["level"] is String && parsed["event"] is String)
            #expect(parsed["pid"] is Int && parsed["logger"] as? String == "keygate")
            if parsed["event"] as? String == "denied" { denial = parsed }
        }
        #expect(denial?["reason"] as? String == "revoked")
        #expect(denial?["key_id"] as? String == key.id)
        #expect(!server.log.contains(key.secret))
    }
}
