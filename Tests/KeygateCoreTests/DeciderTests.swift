import Testing

@testable import KeygateCore

struct DeciderTests {
    let now: Int64 = 1_800_000_000
    let key = KeyRecord(
        id: "kid_0000000000000001", slot: 0, displayPrefix: "kg_abcdef", name: "billing", owner: "team-billing",
        scopes: ["reports:read", "invoices:*"], createdAtSeconds: 1_700_000_000)

    func judge(
        _ key: KeyRecord?, _ request: AuthRequest = AuthRequest(), retires: Int64? = nil, client: String? = "10.0.0.1"
    )
        -> Outcome
    {
        let match = key.map { SecretMatch(key: $0, secretRetiresAtSeconds: retires) }
        return Decider.judge(
            match, request: request, clientAddress: client.flatMap { IPAddress($0) }, nowSeconds: self.now
        ).outcome
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
        (["reports:*"], "reports:read", true), (["reports:*"], "reports:daily:read", true),
        (["reports:*"], "reports", false),
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
        #expect(
            ClientAddress.resolve(remoteAddress: "203.0.113.9", forwardedFor: "1.2.3.4", trustedProxies: [])
                == IPAddress("203.0.113.9"))
    }

    @Test func forwardedForIgnoredFromUntrustedPeer() {
        #expect(
            ClientAddress.resolve(remoteAddress: "203.0.113.9", forwardedFor: "1.2.3.4", trustedProxies: self.proxies)
                == IPAddress("203.0.113.9"))
    }

    @Test func rightmostUntrustedHopFromTrustedPeer() {
        let client = ClientAddress.resolve(
            remoteAddress: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.7, 10.1.1.1", trustedProxies: self.proxies)
        #expect(client == IPAddress("198.51.100.7"))
    }

    @Test func garbageHopFailsClosed() {
        #expect(
            ClientAddress.resolve(
                remoteAddress: "127.0.0.1", forwardedFor: "nonsense, 10.1.1.1", trustedProxies: self.proxies) == nil)
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
        let answer = AuthAnswer(Decision(.allow, key: self.key), profile: .fastCGI(.nginx), policy: GatePolicy())
        #expect(answer.status == 204)
        #expect(answer.header("X-Keygate-Key-Id") == "kid_1")
        #expect(answer.header("X-Keygate-Scopes") == "a b")
        #expect(answer.header("X-Keygate-Key-Name") == "evil??X-Injected: 1")
        #expect(answer.body.isEmpty)
        #expect(!String(decoding: answer.cgiStream(), as: UTF8.self).contains("\r\nX-Injected"))
    }

    @Test func apacheAllowIsExactly200WithVariables() {
        let answer = AuthAnswer(
            Decision(.allow, key: self.key), profile: .fastCGI(.apacheAuthorizer), policy: GatePolicy())
        #expect(answer.status == 200)
        #expect(answer.header("Variable-KEYGATE_KEY_ID") == "kid_1")
        #expect(answer.header("X-Keygate-Key-Id") == nil)
    }

    @Test func identityHeadersCanBeTurnedOff() {
        let answer = AuthAnswer(
            Decision(.allow, key: self.key), profile: .fastCGI(.nginx), policy: GatePolicy(identityHeaders: false))
        #expect(answer.headers.isEmpty)
    }

    @Test(arguments: Outcome.allCases.filter { $0 != .allow && $0 != .rateLimited })
    func denialsCarryReasonAndProblem(outcome: Outcome) {
        let answer = AuthAnswer(
            Decision(outcome, key: self.key, requiredScopes: ["admin"]), profile: .fastCGI(.nginx),
            policy: GatePolicy(realm: "api"))
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
        let missing = AuthAnswer(Decision(.missing), profile: .fastCGI(.nginx), policy: GatePolicy())
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        let revoked = AuthAnswer(Decision(.revoked), profile: .fastCGI(.nginx), policy: GatePolicy())
        #expect(
            revoked.header("WWW-Authenticate")
                == "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"")
        let scope = AuthAnswer(
            Decision(.insufficientScope, key: self.key, requiredScopes: ["a", "admin"]), profile: .fastCGI(.nginx),
            policy: GatePolicy())
        #expect(
            scope.header("WWW-Authenticate") == "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"")
        #expect(scope.header("X-Keygate-Problem")?.contains("\"missing_scopes\":[\"admin\"]") == true)
    }

    /// An answer rendered through the key's cache has the fields of the general rendering, on both wires.
    @Test(arguments: [true, false])
    func cachedAnswersMatchTheFieldList(identity: Bool) throws {
        var key = self.key
        key.policies = PolicySet(
            rateLimits: [
                RateLimitPolicy(limit: 10, periodMicros: 1_000_000),
                try RateLimitPolicy.parse("100/hour", name: "odd \"name\""),
            ],
            quotas: [try QuotaPolicy.parse("1000/month")])
        let evaluation = key.policies.evaluating(states: [0, 0, 0], cost: 1, nowMicros: 1_800_000_000_000_000)
        #expect(evaluation.admitted)
        let policy = GatePolicy(identityHeaders: identity)
        let memo = AnswerMemo()
        for decision in [Decision(.allow, key: key, limits: evaluation), Decision(.allow, key: key)] {
            for _ in 0..<2 {  // the second time from the memo
                let answer = AuthAnswer(decision, profile: .fastCGI(.nginx), policy: policy, memo: memo)
                let fresh = AuthAnswer(decision, profile: .fastCGI(.nginx), policy: policy)
                var expected: [(name: String, value: String)] = []
                if identity {
                    expected = zip(
                        FrontEndProfile.IdentityNames.keygate.names, ["kid_1", "evil??X-Injected: 1", "o", "a b"]
                    ).map { ($0, $1) }
                }
                if let limits = decision.limits {
                    expected += RateLimitHeaders(policies: key.policies, evaluation: limits).fields
                }
                #expect(answer.headers.map { "\($0.name): \($0.value)" } == expected.map { "\($0.name): \($0.value)" })
                #expect(answer.cgiStream() == fresh.cgiStream())
                for (keepAlive, minor) in [(true, 1), (false, 1), (true, 0)] {
                    for style in [ForwardAuthStyle(), ForwardAuthStyle(frontEnd: .envoy)] {
                        var cached: [UInt8] = []
                        var afresh: [UInt8] = []
                        HTTPResponseWriter.append(
                            AuthAnswer(decision, profile: style.profile, policy: policy, memo: memo),
                            keepAlive: keepAlive,
                            minorVersion: minor, to: &cached)
                        HTTPResponseWriter.append(
                            AuthAnswer(decision, profile: style.profile, policy: policy), keepAlive: keepAlive,
                            minorVersion: minor, to: &afresh)
                        #expect(cached == afresh)
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
        let plain = AuthAnswer(limited, profile: .fastCGI(.nginx), policy: GatePolicy())
        #expect(plain.status == 429)
        #expect(plain.header("Retry-After") == "60")
        #expect(plain.header("RateLimit-Policy") == "\"1-per-min\";q=1;w=60")
        #expect(plain.header("RateLimit")?.hasPrefix("\"1-per-min\";r=0;t=") == true)
        #expect(plain.header("X-RateLimit-Remaining") == "0")
        #expect(plain.header("X-Keygate-Reason") == "rate_limited")
        #expect(String(decoding: plain.body, as: UTF8.self).contains("\"violated-policies\":[\"1-per-min\"]"))
        #expect(plain.header("WWW-Authenticate") == nil)
        let nginx = AuthAnswer(limited, profile: .fastCGI(.nginx, limitDenyStatus: 403), policy: GatePolicy())
        #expect(nginx.status == 403)
        #expect(nginx.header("X-Keygate-Problem")?.contains("quota-exceeded") == true)
        let allowed = AuthAnswer(
            Decision(.allow, key: key, limits: first), profile: .fastCGI(.nginx), policy: GatePolicy())
        #expect(allowed.status == 204)
        #expect(allowed.header("RateLimit") != nil)
        #expect(allowed.header("Retry-After") == nil)
    }

    @Test func onlyScopeDenialsNameScopes() {
        let revoked = AuthAnswer(
            Decision(.revoked, key: self.key, requiredScopes: ["admin"]), profile: .fastCGI(.nginx),
            policy: GatePolicy())
        #expect(revoked.header("X-Keygate-Problem")?.contains("missing_scopes") == false)
    }

    @Test func cgiStream() {
        let answer = AuthAnswer.notFound(for: .fastCGI(.apacheExplain))
        #expect(
            String(decoding: answer.cgiStream(), as: UTF8.self)
                == "Status: 404\r\nContent-Type: application/problem+json\r\n\r\n"
                + "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}\n")
    }

    @Test func jsonEscaping() {
        #expect(JSONText.quoted("a\"b\\c\nd\u{1}é") == "\"a\\\"b\\\\c\\nd\\u0001\\u00e9\"")
    }
}
