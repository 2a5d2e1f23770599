import Testing

@testable import KeygateCore

struct DeciderTests {
    let now: Int64 = 1_800_000_000
    let key = KeyRecord(
        id: "kid_0000000000000001", slot: 0, displayPrefix: "kg_abcdef", name: "billing", owner: "team-billing",
        scopes: ["reports:read", "invoices:*"], createdAtSeconds: 1_700_000_000)

    func judge(_ key: KeyRecord?, _ request: AuthRequest = AuthRequest(), retires: Int64? = nil, client: String? = "10.0.0.1")
        -> Outcome
    {
        let match = key.map { SecretMatch(key: $0, secretRetiresAtSeconds: retires) }
        return Decider.judge(match, request: request, clientAddress: client.flatMap { IPAddress($0) }, nowSeconds: self.now).outcome
    }

    @Test func unknownWhenNothingMatched() {
        #expect(self.judge(nil) == .unknown)
    }

    @Test func activeKeyIsAllowed() {
        #expect(self.judge(self.key) == .allow)
    }

    @Test(arguments: [(KeyStatus.revoked, Outcome.revoked), (.disabled, .disabled), (.active, .allow)])
    func statusDecides(status: KeyStatus, expected: Outcome) {
        var key = self.key
        key.status = status
        #expect(self.judge(key) == expected)
    }

    @Test func revokedWinsOverExpired() {
        var key = self.key
        key.status = .revoked
        key.expiresAtSeconds = self.now - 10
        #expect(self.judge(key) == .revoked)
    }

    @Test(arguments: [(Int64(-1), Outcome.expired), (Int64(0), Outcome.expired), (Int64(1), Outcome.allow)])
    func expiryIsExclusiveOfItsInstant(offset: Int64, expected: Outcome) {
        var key = self.key
        key.expiresAtSeconds = self.now + offset
        #expect(self.judge(key) == expected)
    }

    @Test func rotatedSecretWorksUntilItRetires() {
        #expect(self.judge(self.key, retires: self.now + 60) == .allow)
        #expect(self.judge(self.key, retires: self.now) == .expired)
        #expect(self.judge(self.key, retires: self.now - 1) == .expired)
    }

    @Test func ipAllowlist() {
        var key = self.key
        key.allowedNetworks = [CIDR("10.0.0.0/8")!, CIDR("2001:db8::/32")!]
        #expect(self.judge(key, client: "10.9.8.7") == .allow)
        #expect(self.judge(key, client: "2001:db8::42") == .allow)
        #expect(self.judge(key, client: "192.0.2.1") == .ipNotAllowed)
        #expect(self.judge(key, client: nil) == .ipNotAllowed)
    }

    @Test func originAllowlistRequiresAnOrigin() {
        var key = self.key
        key.allowedOrigins = ["https://app.example.com"]
        #expect(self.judge(key, AuthRequest(origin: "https://app.example.com")) == .allow)
        #expect(self.judge(key, AuthRequest(origin: "HTTPS://APP.EXAMPLE.COM/")) == .allow)
        #expect(self.judge(key, AuthRequest(origin: "https://evil.example.com")) == .originNotAllowed)
        #expect(self.judge(key, AuthRequest()) == .originNotAllowed)
    }

    @Test func scopes() {
        #expect(self.judge(self.key, AuthRequest(requiredScopes: ["reports:read"])) == .allow)
        #expect(self.judge(self.key, AuthRequest(requiredScopes: ["invoices:write"])) == .allow)
        #expect(self.judge(self.key, AuthRequest(requiredScopes: ["reports:read", "admin"])) == .insufficientScope)
        #expect(self.judge(self.key, AuthRequest(requiredScopes: ["reports:write"])) == .insufficientScope)
    }

    @Test func policyChecksComeAfterCredentialChecks() {
        var key = self.key
        key.status = .disabled
        key.allowedNetworks = [CIDR("10.0.0.0/8")!]
        #expect(self.judge(key, AuthRequest(requiredScopes: ["admin"]), client: "192.0.2.1") == .disabled)
    }
}

struct ScopeSetTests {
    @Test(arguments: [
        (["reports:read"], "reports:read", true), (["reports:read"], "reports:write", false), (["*"], "anything", true),
        (["reports:*"], "reports:read", true), (["reports:*"], "reports:daily:read", true), (["reports:*"], "reports", false),
        (["reports:*"], "reportsx:read", false), ([], "reports:read", false), (["Reports:read"], "reports:read", false),
    ])
    func grants(granted: [String], required: String, expected: Bool) {
        #expect(ScopeSet.grants(granted, required) == expected)
    }

    @Test func parseAndValidate() {
        #expect(ScopeSet.parse("a:b, c  d,,e") == ["a:b", "c", "d", "e"])
        #expect(ScopeSet.isValid("reports:read"))
        #expect(!ScopeSet.isValid(""))
        #expect(!ScopeSet.isValid("has space"))
        #expect(!ScopeSet.isValid("quote\""))
        #expect(!ScopeSet.isValid(String(repeating: "a", count: 65)))
    }
}

struct ClientAddressTests {
    let proxies = [CIDR("10.0.0.0/8")!, CIDR("127.0.0.1")!]

    @Test func remoteAddressWithoutTrustedProxies() {
        #expect(ClientAddress.resolve(remoteAddress: "203.0.113.9", forwardedFor: "1.2.3.4", trustedProxies: []) == IPAddress("203.0.113.9"))
    }

    @Test func forwardedForIgnoredFromUntrustedPeer() {
        #expect(ClientAddress.resolve(remoteAddress: "203.0.113.9", forwardedFor: "1.2.3.4", trustedProxies: self.proxies)
            == IPAddress("203.0.113.9"))
    }

    @Test func rightmostUntrustedHopFromTrustedPeer() {
        let client = ClientAddress.resolve(
            remoteAddress: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.7, 10.1.1.1", trustedProxies: self.proxies)
        #expect(client == IPAddress("198.51.100.7"))
    }

    @Test func garbageHopFailsClosed() {
        #expect(ClientAddress.resolve(remoteAddress: "127.0.0.1", forwardedFor: "nonsense, 10.1.1.1", trustedProxies: self.proxies) == nil)
        #expect(ClientAddress.resolve(remoteAddress: "not-an-ip", forwardedFor: nil, trustedProxies: []) == nil)
    }
}

struct KeyExtractionTests {
    static let key = APIKeyFormat.make(prefix: "kg_", randomBytes: (0..<200).map { UInt8($0) })!
    static let other = APIKeyFormat.make(prefix: "kg_", randomBytes: (0..<200).map { UInt8(199 - $0) })!

    func extract(_ request: AuthRequest, query: String? = nil) -> KeyExtraction {
        KeyExtraction.extract(from: request, queryParameter: query)
    }

    @Test func sources() {
        let key = Self.key
        #expect(self.extract(AuthRequest(authorization: "Bearer \(key)")) == .candidate(key))
        #expect(self.extract(AuthRequest(authorization: "bearer   \(key)  ")) == .candidate(key))
        #expect(self.extract(AuthRequest(apiKeyHeader: " \(key)")) == .candidate(key))
        #expect(self.extract(AuthRequest(uri: "/x?a=1&api_key=\(key)")) == .missing)
        #expect(self.extract(AuthRequest(uri: "/x?a=1&api_key=\(key)"), query: "api_key") == .candidate(key))
        #expect(self.extract(AuthRequest(authorization: "Bearer \(key)", apiKeyHeader: key)) == .candidate(key))
    }

    @Test func missingAndMalformed() {
        #expect(self.extract(AuthRequest()) == .missing)
        #expect(self.extract(AuthRequest(authorization: "Basic dXNlcjpwYXNz")) == .missing)
        #expect(self.extract(AuthRequest(authorization: "Bearer")) == .malformed)
        #expect(self.extract(AuthRequest(apiKeyHeader: "")) == .malformed)
        #expect(self.extract(AuthRequest(apiKeyHeader: "kg_nope")) == .malformed)
        #expect(self.extract(AuthRequest(apiKeyHeader: String(Self.key.dropLast()) + "x")) == .malformed)
        #expect(self.extract(AuthRequest(apiKeyHeader: String(repeating: "a", count: 10_000))) == .malformed)
        #expect(self.extract(AuthRequest(authorization: "Bearer \(Self.key)", apiKeyHeader: Self.other)) == .malformed)
    }
}

struct AuthAnswerTests {
    let key = KeyRecord(
        id: "kid_1", slot: 0, displayPrefix: "kg_x", name: "evil\r\nX-Injected: 1", owner: "o", scopes: ["a", "b"],
        createdAtSeconds: 0)

    @Test func nginxAllowIs204WithIdentity() {
        let answer = AuthAnswer.rendering(Decision(.allow, key: self.key), for: .nginx, policy: GatePolicy())
        #expect(answer.status == 204)
        #expect(answer.header("X-Keygate-Key-Id") == "kid_1")
        #expect(answer.header("X-Keygate-Scopes") == "a b")
        #expect(answer.header("X-Keygate-Key-Name") == "evil??X-Injected: 1")
        #expect(answer.body.isEmpty)
        #expect(!String(decoding: answer.cgiHead(), as: UTF8.self).contains("\r\nX-Injected"))
    }

    @Test func apacheAllowIsExactly200WithVariables() {
        let answer = AuthAnswer.rendering(Decision(.allow, key: self.key), for: .apacheAuthorizer, policy: GatePolicy())
        #expect(answer.status == 200)
        #expect(answer.header("Variable-KEYGATE_KEY_ID") == "kid_1")
        #expect(answer.header("X-Keygate-Key-Id") == nil)
    }

    @Test func identityHeadersCanBeTurnedOff() {
        let answer = AuthAnswer.rendering(Decision(.allow, key: self.key), for: .nginx, policy: GatePolicy(identityHeaders: false))
        #expect(answer.headers.isEmpty)
    }

    @Test(arguments: Outcome.allCases.filter { $0 != .allow && $0 != .rateLimited })
    func denialsCarryReasonAndProblem(outcome: Outcome) {
        let answer = AuthAnswer.rendering(Decision(outcome, key: self.key, requiredScopes: ["admin"]), for: .nginx, policy: GatePolicy(realm: "api"))
        #expect(answer.status == outcome.httpStatus)
        #expect(answer.header("X-Keygate-Reason") == outcome.rawValue)
        #expect(answer.header("Content-Type") == "application/problem+json")
        let problem = answer.header("X-Keygate-Problem") ?? ""
        #expect(problem.contains("\"reason\":\"\(outcome.rawValue)\""))
        #expect(problem.contains("\"status\":\(outcome.httpStatus)"))
        #expect(problem.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        #expect(String(decoding: answer.body, as: UTF8.self) == problem + "\n")
        if outcome.httpStatus == 401 {
            #expect(answer.header("WWW-Authenticate")?.hasPrefix("Bearer realm=\"api\"") == true)
        }
    }

    @Test func challengeShapes() {
        let missing = AuthAnswer.rendering(Decision(.missing), for: .nginx, policy: GatePolicy())
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        let revoked = AuthAnswer.rendering(Decision(.revoked), for: .nginx, policy: GatePolicy())
        #expect(revoked.header("WWW-Authenticate") == "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"")
        let scope = AuthAnswer.rendering(Decision(.insufficientScope, key: self.key, requiredScopes: ["a", "admin"]), for: .nginx, policy: GatePolicy())
        #expect(scope.header("WWW-Authenticate") == "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"")
        #expect(scope.header("X-Keygate-Problem")?.contains("\"missing_scopes\":[\"admin\"]") == true)
    }

    /// The nginx allow answer is kept as rendered header lines: the same fields as the general path, and the same
    /// bytes on the wire as an answer holding those fields as a list.
    @Test(arguments: [true, false])
    func nginxAllowLinesMatchTheFieldList(identity: Bool) throws {
        var key = self.key
        key.policies = PolicySet(
            rateLimits: [RateLimitPolicy(limit: 10, periodMicros: 1_000_000), try RateLimitPolicy.parse("100/hour", name: "odd \"name\"")],
            quotas: [try QuotaPolicy.parse("1000/month")])
        let evaluation = key.policies.evaluating(states: [0, 0, 0], cost: 1, nowMicros: 1_800_000_000_000_000)
        #expect(evaluation.admitted)
        let policy = GatePolicy(identityHeaders: identity)
        var memo = AnswerMemo()
        for decision in [Decision(.allow, key: key, limits: evaluation), Decision(.allow, key: key)] {
            for _ in 0..<2 {  // the second time from the memo
                let answer = AuthAnswer.rendering(decision, for: .nginx, policy: policy, memo: &memo)
                #expect(answer.headerLines != nil)
                var expected: [(name: String, value: String)] = []
                if identity {
                    expected = zip(AuthAnswer.nginxIdentityNames, ["kid_1", "evil??X-Injected: 1", "o", "a b"]).map { ($0, $1) }
                }
                if let limits = decision.limits { expected += RateLimitHeaders(policies: key.policies, evaluation: limits).fields }
                let list = AuthAnswer(status: 204, headers: expected)
                #expect(answer == list)
                #expect(answer.cgiHead() == list.cgiHead())
                for (keepAlive, minor) in [(true, 1), (false, 1), (true, 0)] {
                    let head = HTTPRequestHead(method: "GET", target: "/", minorVersion: minor, keepAlive: keepAlive)
                    for style in [ForwardAuthStyle(), ForwardAuthStyle(proxy: .envoy)] {
                        var lines: [UInt8] = []
                        var fields: [UInt8] = []
                        answer.appendHTTP(answering: head, style: style, to: &lines)
                        list.appendHTTP(answering: head, style: style, to: &fields)
                        #expect(lines == fields)
                    }
                }
            }
        }
    }

    @Test func limitDenialIs429OrTheNginx403WithRateLimitFields() throws {
        var key = self.key
        key.policies = PolicySet(rateLimits: [RateLimitPolicy(limit: 1, periodMicros: 60_000_000)])
        let first = key.policies.evaluating(states: [0], cost: 1, nowMicros: 1_000_000_000)
        let second = key.policies.evaluating(states: first.newStates, cost: 1, nowMicros: 1_000_000_000)
        #expect(!second.admitted)
        let limited = Decision(.rateLimited, key: key, limits: second)
        let plain = AuthAnswer.rendering(limited, for: .nginx, policy: GatePolicy())
        #expect(plain.status == 429)
        #expect(plain.header("Retry-After") == "60")
        #expect(plain.header("RateLimit-Policy") == "\"1-per-min\";q=1;w=60")
        #expect(plain.header("RateLimit")?.hasPrefix("\"1-per-min\";r=0;t=") == true)
        #expect(plain.header("X-RateLimit-Remaining") == "0")
        #expect(plain.header("X-Keygate-Reason") == "rate_limited")
        #expect(String(decoding: plain.body, as: UTF8.self).contains("\"violated-policies\":[\"1-per-min\"]"))
        #expect(plain.header("WWW-Authenticate") == nil)
        let nginx = AuthAnswer.rendering(limited, for: .nginx, policy: GatePolicy(), limitDenyStatus: 403)
        #expect(nginx.status == 403)
        #expect(nginx.header("X-Keygate-Problem")?.contains("quota-exceeded") == true)
        let allowed = AuthAnswer.rendering(Decision(.allow, key: key, limits: first), for: .nginx, policy: GatePolicy())
        #expect(allowed.status == 204)
        #expect(allowed.header("RateLimit") != nil)
        #expect(allowed.header("Retry-After") == nil)
    }

    @Test func onlyScopeDenialsNameScopes() {
        let revoked = AuthAnswer.rendering(Decision(.revoked, key: self.key, requiredScopes: ["admin"]), for: .nginx, policy: GatePolicy())
        #expect(revoked.header("X-Keygate-Problem")?.contains("missing_scopes") == false)
    }

    @Test func cgiHead() {
        let answer = AuthAnswer(status: 401, headers: [("A", "b"), ("C", "d")])
        #expect(String(decoding: answer.cgiHead(), as: UTF8.self) == "Status: 401\r\nA: b\r\nC: d\r\n\r\n")
    }

    @Test func jsonEscaping() {
        #expect(JSONText.quoted("a\"b\\c\nd\u{1}é") == "\"a\\\"b\\\\c\\nd\\u0001\\u00e9\"")
    }
}
