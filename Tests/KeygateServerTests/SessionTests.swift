import Glibc
import KeygateCore
import KeygateStore
import KeygateTesting
import KeygateZone
import Logging
import Testing

@testable import KeygateServer

/// A ``Session`` fed a front end's bytes and read back, like NIO's embedded channel: no socket, no worker.
///
/// The gate under it reads a real key store: a temporary SQLite file and counters file (no process, no listener).
/// `GateInMemoryTests` and `WorkerTests` build theirs from in-memory parts instead.
final class SessionTests {
    static let nowMicros: Int64 = 1_800_000_000_000_000
    let path = temporaryPath("keygate-session")
    let store: KeyStore
    let counters: CounterTable
    /// Secrets: a plain key, a key limited to one request an hour, a revoked key, and one no store holds.
    let plain: String
    let limited: String
    let revoked: String
    let unknown: String
    let plainID: String
    let limitedID: String

    init() throws {
        self.store = try KeyStore(path: self.path, create: true)
        let now = Self.nowMicros / 1_000_000
        let plain = try self.store.create(
            NewKey(name: "web", owner: "team-web", scopes: ["reports:read"]), now: now, actor: "test")
        let limited = try self.store.create(
            NewKey(
                name: "metered", owner: "team-web", scopes: ["reports:read"],
                rateLimits: [try RateLimitPolicy.parse("1/hour")]),
            now: now, actor: "test")
        let revoked = try self.store.create(NewKey(name: "old", scopes: ["reports:read"]), now: now, actor: "test")
        _ = try self.store.revoke(id: revoked.record.id, now: now, actor: "test")
        let other = try KeyStore(path: self.path + "-other", create: true)
        self.unknown = try other.create(NewKey(name: "elsewhere"), now: now, actor: "test").secret
        self.plain = plain.secret
        self.limited = limited.secret
        self.revoked = revoked.secret
        self.plainID = plain.record.id
        self.limitedID = limited.record.id
        self.counters = try CounterTable(path: self.path + ".counters", capacity: 64)
    }

    deinit {
        for suffix in ["", "-wal", "-shm", "-other", "-other-wal", "-other-shm", ".counters"] {
            unlink(self.path + suffix)
        }
    }

    func gate(explainOnly: Bool = false, counters: Bool = true) throws -> Gate {
        var policy = GatePolicy()
        policy.explainOnly = explainOnly
        return try Gate(
            databasePath: self.path, policy: policy, lastUsed: nil, counters: counters ? self.counters : nil,
            logger: Logger(label: "test"))
    }

    /// Feeds `chunks` to `session` one `receive` each and returns everything it wrote.
    static func feed(_ session: Session, _ chunks: [[UInt8]], gate: Gate) throws -> [UInt8] {
        var output: [UInt8] = []
        for chunk in chunks {
            _ = try chunk.withUnsafeBytes {
                try session.receive($0, output: &output, gate: gate, nowMicros: Self.nowMicros)
            }
        }
        return output
    }

    // MARK: HTTP

    /// The head nginx sends through `keygate-http.conf`.
    static func nginxHead(key: String?, scope: String = "reports:read") -> [UInt8] {
        var lines = [
            "GET /_keygate HTTP/1.1", "Host: keygate", "X-Original-URI: /api/reports?x=1", "X-Original-Method: GET",
            "X-Forwarded-For: 127.0.0.1",
        ]
        if let key { lines.append("X-Api-Key: \(key)") }
        lines.append("X-Keygate-Scope: \(scope)")
        return Array((lines.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
    }

    static func httpSession(_ query: Substring) throws -> Session {
        .http(HTTPConnection(), try ForwardAuthStyle.parse(query).get())
    }

    @Test func nginxOverHTTPPipelined() throws {
        let gate = try self.gate()
        let session = try Self.httpSession("")
        let first = Self.nginxHead(key: self.plain) + Self.nginxHead(key: nil) + Self.nginxHead(key: self.revoked)
        let output = try Self.feed(
            session,
            [
                first, Self.nginxHead(key: self.limited), Self.nginxHead(key: self.limited),
                Self.nginxHead(key: self.unknown),
            ],
            gate: gate)
        let expected =
            "HTTP/1.1 204 No Content\r\nX-Keygate-Key-Id: \(self.plainID)\r\nX-Keygate-Key-Name: web\r\n"
            + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n\r\n"
            + SessionPinned.nginxMissing + SessionPinned.nginxRevoked
            + "HTTP/1.1 204 No Content\r\nX-Keygate-Key-Id: \(self.limitedID)\r\nX-Keygate-Key-Name: metered\r\n"
            + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n" + SessionPinned.limitAdmitted
            + "\r\n\r\n" + SessionPinned.nginxLimited + SessionPinned.nginxUnknown
        #expect(String(decoding: output, as: UTF8.self) == expected)
        #expect(session.progress == .betweenRequests)
    }

    @Test func envoyAllowsWith200AndDeniesALimitWith429() throws {
        let gate = try self.gate()
        let session = try Self.httpSession("for=envoy")
        func head(_ key: String) -> [UInt8] {
            Array("POST /api/reports HTTP/1.1\r\nhost: example.com\r\nx-api-key: \(key)\r\n\r\n".utf8)
        }
        let output = try Self.feed(session, [head(self.limited) + head(self.limited)], gate: gate)
        let expected =
            "HTTP/1.1 200 OK\r\nX-Keygate-Key-Id: \(self.limitedID)\r\nX-Keygate-Key-Name: metered\r\n"
            + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n" + SessionPinned.limitAdmitted
            + "\r\nContent-Length: 0\r\n\r\n" + SessionPinned.envoyLimited
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    @Test func aListenerWithoutRateLimitFieldsSendsNone() throws {
        let gate = try self.gate()
        let session = try Self.httpSession("ratelimit=none")
        let output = try Self.feed(session, [Self.nginxHead(key: self.limited)], gate: gate)
        let expected =
            "HTTP/1.1 204 No Content\r\nX-Keygate-Key-Id: \(self.limitedID)\r\nX-Keygate-Key-Name: metered\r\n"
            + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n\r\n"
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    @Test func aLimitedKeyWithoutCountersIs503() throws {
        let gate = try self.gate(counters: false)
        let session = try Self.httpSession("for=caddy")
        let output = try Self.feed(session, [Self.nginxHead(key: self.limited)], gate: gate)
        #expect(String(decoding: output, as: UTF8.self) == SessionPinned.caddyLimitsUnavailable)
    }

    @Test func aBadHeadGetsOne400AndCloses() throws {
        let gate = try self.gate()
        let session = try Self.httpSession("")
        var output: [UInt8] = []
        let bad = Array("GET /_keygate HTTP/1.1\r\nHost keygate\r\n\r\n".utf8)
        #expect(throws: HTTPHeadError.self) {
            _ = try bad.withUnsafeBytes {
                try session.receive($0, output: &output, gate: gate, nowMicros: Self.nowMicros)
            }
        }
        #expect(
            String(decoding: output, as: UTF8.self)
                == "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(session.progress == .finished)
    }

    // MARK: FastCGI

    static func fastCGIRequest(id: UInt16 = 1, role: UInt16, _ params: [(String, String)]) -> [UInt8] {
        FastCGIClientEncoder.beginRequest(id: id, role: role, keepConnection: true)
            + FastCGIClientEncoder.params(id: id, params) + FastCGIClientEncoder.emptyStdin(id: id)
    }

    /// What nginx's `keygate.conf` sends, plus the key.
    static func nginxParams(key: String) -> [(String, String)] {
        [
            ("REQUEST_URI", "/api/reports?x=1"), ("REQUEST_METHOD", "GET"), ("REMOTE_ADDR", "127.0.0.1"),
            ("HTTP_X_API_KEY", key), ("KEYGATE_SCOPE", "reports:read"), ("KEYGATE_DENY_STATUS", "403"),
        ]
    }

    /// The STDOUT stream of each answer in `output`, checking each ended with REQUEST_COMPLETE.
    static func stdouts(_ output: [UInt8]) throws -> [String] {
        var decoder = FastCGIClientDecoder()
        return try decoder.consume(output).map { answer in
            guard case .response(_, let stdout, let stderr, let appStatus, let protocolStatus) = answer else {
                Issue.record("not a response: \(answer)")
                return ""
            }
            #expect(stderr.isEmpty && appStatus == 0 && protocolStatus == 0)
            return String(decoding: stdout, as: UTF8.self)
        }
    }

    @Test func nginxOverFastCGI() throws {
        let gate = try self.gate()
        let session = Session.fastCGI(FastCGIConnection())
        let output = try Self.feed(
            session,
            [
                Self.fastCGIRequest(role: 1, Self.nginxParams(key: self.plain)),
                Self.fastCGIRequest(role: 1, Self.nginxParams(key: self.limited))
                    + Self.fastCGIRequest(role: 1, Self.nginxParams(key: self.limited)),
            ],
            gate: gate)
        #expect(
            try Self.stdouts(output) == [
                "Status: 204\r\nX-Keygate-Key-Id: \(self.plainID)\r\nX-Keygate-Key-Name: web\r\n"
                    + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n\r\n",
                "Status: 204\r\nX-Keygate-Key-Id: \(self.limitedID)\r\nX-Keygate-Key-Name: metered\r\n"
                    + "X-Keygate-Owner: team-web\r\nX-Keygate-Scopes: reports:read\r\n" + SessionPinned.limitAdmitted
                    + "\r\n\r\n",
                SessionPinned.fastCGINginxLimited,
            ])
    }

    @Test func apacheAuthorizerAndAccessChecker() throws {
        let gate = try self.gate()
        let session = Session.fastCGI(FastCGIConnection())
        let authorizer: [(String, String)] = [("REQUEST_URI", "/api/reports"), ("HTTP_X_API_KEY", self.plain)]
        let checker = [("FCGI_APACHE_ROLE", "ACCESS_CHECKER"), ("REQUEST_URI", "/api/reports")]
        let output = try Self.feed(
            session,
            [
                Self.fastCGIRequest(role: 2, authorizer),
                Self.fastCGIRequest(role: 2, [("REQUEST_URI", "/api/reports"), ("HTTP_X_API_KEY", self.revoked)]),
                Self.fastCGIRequest(role: 2, checker + [("HTTP_X_API_KEY", self.plain)]),
                Self.fastCGIRequest(role: 2, checker + [("HTTP_X_API_KEY", self.unknown)]),
            ],
            gate: gate)
        let identity =
            "Variable-KEYGATE_KEY_ID: \(self.plainID)\r\nVariable-KEYGATE_KEY_NAME: web\r\n"
            + "Variable-KEYGATE_OWNER: team-web\r\nVariable-KEYGATE_SCOPES: reports:read\r\n"
        #expect(
            try Self.stdouts(output) == [
                "Status: 200\r\n" + identity + "\r\n", SessionPinned.authorizerRevoked,
                "Status: 200\r\n" + identity + "\r\n", "Status: 401\r\n\r\n",
            ])
    }

    @Test func explainPass() throws {
        let gate = try self.gate(explainOnly: true)
        let session = Session.fastCGI(FastCGIConnection())
        let redirect: [(String, String)] = [("REDIRECT_STATUS", "401"), ("REQUEST_URI", "/api/reports")]
        let output = try Self.feed(
            session,
            [
                Self.fastCGIRequest(role: 1, [("REQUEST_URI", "/keygate-explain")]),
                Self.fastCGIRequest(role: 1, redirect),
                Self.fastCGIRequest(role: 1, redirect + [("HTTP_X_API_KEY", self.plain)]),
            ],
            gate: gate)
        #expect(
            try Self.stdouts(output) == [
                SessionPinned.explainNotFound, SessionPinned.explainMissing,
                "Status: 503\r\nRetry-After: 1\r\nX-Keygate-Reason: retry\r\nCache-Control: no-store\r\n\r\n",
            ])
    }
}

/// The longer answers, pinned from the code before the reshaping.
enum SessionPinned {
    /// The rate-limit lines of the key limited to one request an hour, once it is spent (no final CRLF).
    static let limitAdmitted =
        "RateLimit-Policy: \"1-per-hour\";q=1;w=3600\r\nRateLimit: \"1-per-hour\";r=0;t=3600\r\n"
        + "X-RateLimit-Limit: 1\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 3600"
    static let quotaProblem =
        "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"1-per-hour\"]}"
    static let nginxMissing =
        "HTTP/1.1 401 Unauthorized\r\nX-Keygate-Reason: missing\r\nWWW-Authenticate: Bearer realm=\"api\"\r\n"
        + "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n"
        + "Cache-Control: no-store\r\nContent-Length: 0\r\n\r\n"
    static let nginxRevoked =
        "HTTP/1.1 401 Unauthorized\r\nX-Keygate-Reason: revoked\r\nWWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n"
        + "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n"
        + "Cache-Control: no-store\r\nContent-Length: 0\r\n\r\n"
    static let nginxUnknown =
        "HTTP/1.1 401 Unauthorized\r\nX-Keygate-Reason: unknown\r\nWWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n"
        + "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n"
        + "Cache-Control: no-store\r\nContent-Length: 0\r\n\r\n"
    static let nginxLimited =
        "HTTP/1.1 403 Forbidden\r\nX-Keygate-Reason: rate_limited\r\nX-Keygate-Problem: " + quotaProblem + "\r\n"
        + "Cache-Control: no-store\r\n" + limitAdmitted + "\r\nRetry-After: 3600\r\n" + "Content-Length: 0\r\n\r\n"
    static let envoyLimited =
        "HTTP/1.1 429 Too Many Requests\r\nX-Keygate-Reason: rate_limited\r\nX-Keygate-Problem: " + quotaProblem
        + "\r\n" + "Cache-Control: no-store\r\n" + limitAdmitted + "\r\nRetry-After: 3600\r\n"
        + "Content-Length: 0\r\n\r\n"
    static let caddyLimitsUnavailable =
        "HTTP/1.1 503 Service Unavailable\r\nX-Keygate-Reason: limits_unavailable\r\n"
        + "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n"
        + "Cache-Control: no-store\r\nContent-Length: 0\r\n\r\n"
    static let fastCGINginxLimited =
        "Status: 403\r\nX-Keygate-Reason: rate_limited\r\nX-Keygate-Problem: " + quotaProblem + "\r\n"
        + "Content-Type: application/problem+json\r\n" + "Cache-Control: no-store\r\n" + limitAdmitted
        + "\r\nRetry-After: 3600\r\n" + "\r\n" + quotaProblem + "\n"
    static let authorizerRevoked =
        "Status: 401\r\nX-Keygate-Reason: revoked\r\nWWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n"
        + "Content-Type: application/problem+json\r\nCache-Control: no-store\r\n\r\n"
        + "{\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\n"
    static let explainNotFound =
        "Status: 404\r\nContent-Type: application/problem+json\r\n\r\n{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}\n"
    static let explainMissing =
        "Status: 401\r\nX-Keygate-Reason: missing\r\nWWW-Authenticate: Bearer realm=\"api\"\r\n"
        + "Content-Type: application/problem+json\r\nCache-Control: no-store\r\n\r\n"
        + "{\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\n"
}
