import Testing

@testable import KeygateCore

/// Every front end's answer bytes, pinned: allow, each denial, a limit denial, 503 and 500.
///
/// The expected bytes were taken from the encoders before the answer was reshaped into one front-end profile and
/// one encoder per wire; they must not change.
struct AnswerEncoderTests {
    static let nowMicros: Int64 = 1_800_000_000_000_000
    static let key = KeyRecord(
        id: "kid_0000000000000001", slot: 0, displayPrefix: "kg_abcdef", name: "billing", owner: "team-billing",
        scopes: ["reports:read", "invoices:*"], createdAtSeconds: 1_700_000_000)
    /// A key with a rate limit and a daily quota.
    static let limitedKey: KeyRecord = {
        var key = Self.key
        key.policies = PolicySet(
            rateLimits: [try! RateLimitPolicy.parse("2/min")], quotas: [try! QuotaPolicy.parse("1000/day")])
        return key
    }()

    /// The limited key's evaluation after `spent` requests in the same instant.
    static func evaluation(after spent: Int) -> PolicySetEvaluation {
        let policies = Self.limitedKey.policies
        var states = [UInt64](repeating: 0, count: policies.stateCount)
        for _ in 0..<spent {
            states = policies.evaluating(states: states, cost: 1, nowMicros: Self.nowMicros).newStates
        }
        return policies.evaluating(states: states, cost: 1, nowMicros: Self.nowMicros)
    }

    /// One decision of each kind an answer is rendered for.
    enum Case: String, CaseIterable {
        case allow, allowLimited, missing, malformed, unknown, revoked, expired, insufficientScope, ipNotAllowed
        case originNotAllowed, rateLimited, limitsUnavailable, storeUnavailable

        var decision: Decision {
            let required = ["reports:read", "admin"]
            switch self {
            case .allow: return Decision(.allow, key: AnswerEncoderTests.key, requiredScopes: ["reports:read"])
            case .allowLimited:
                return Decision(
                    .allow, key: AnswerEncoderTests.limitedKey, limits: AnswerEncoderTests.evaluation(after: 0))
            case .missing: return Decision(.missing)
            case .malformed: return Decision(.malformed)
            case .unknown: return Decision(.unknown)
            case .revoked: return Decision(.revoked, key: AnswerEncoderTests.key, requiredScopes: required)
            case .expired: return Decision(.expired, key: AnswerEncoderTests.key)
            case .insufficientScope:
                return Decision(.insufficientScope, key: AnswerEncoderTests.key, requiredScopes: required)
            case .ipNotAllowed: return Decision(.ipNotAllowed, key: AnswerEncoderTests.key)
            case .originNotAllowed: return Decision(.originNotAllowed, key: AnswerEncoderTests.key)
            case .rateLimited:
                return Decision(
                    .rateLimited, key: AnswerEncoderTests.limitedKey, limits: AnswerEncoderTests.evaluation(after: 2))
            case .limitsUnavailable: return Decision(.limitsUnavailable, key: AnswerEncoderTests.limitedKey)
            case .storeUnavailable: return Decision(.storeUnavailable)
            }
        }
    }

    /// The front ends, as a listener option or a FastCGI role.
    enum Asker: String, CaseIterable {
        case httpNginx, httpNginxAllow200, httpCaddy, httpTraefik, httpEnvoy
        case fastCGINginx, fastCGINginx429, fastCGIAuthorizer, fastCGIAccessChecker, fastCGIExplain
    }

    /// The bytes `asker` is sent for `decision`: an HTTP response head, or the CGI stream FastCGI STDOUT carries.
    static func wire(_ decision: Decision, to asker: Asker, memo: AnswerMemo? = nil) -> String {
        var out: [UInt8] = []
        func http(_ query: Substring) {
            let style = try! ForwardAuthStyle.parse(query).get()
            let answer = AuthAnswer(decision, profile: style.profile, policy: GatePolicy(), memo: memo)
            HTTPResponseWriter.append(answer, keepAlive: true, minorVersion: 1, to: &out)
        }
        func cgi(_ frontEnd: FrontEnd, _ limitDenyStatus: Int) {
            let profile = FrontEndProfile.fastCGI(frontEnd, limitDenyStatus: limitDenyStatus)
            out = AuthAnswer(decision, profile: profile, policy: GatePolicy(), memo: memo).cgiStream()
        }
        switch asker {
        case .httpNginx: http("")
        case .httpNginxAllow200: http("allow=200")
        case .httpCaddy: http("for=caddy")
        case .httpTraefik: http("for=traefik")
        case .httpEnvoy: http("for=envoy")
        case .fastCGINginx: cgi(.nginx, 403)
        case .fastCGINginx429: cgi(.nginx, 429)
        case .fastCGIAuthorizer: cgi(.apacheAuthorizer, 429)
        case .fastCGIAccessChecker: cgi(.apacheAccessChecker, 429)
        case .fastCGIExplain: cgi(.apacheExplain, 429)
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: Asker.allCases)
    func bytesArePinned(asker: Asker) {
        for item in Case.allCases {
            let expected = Self.pinned["\(asker.rawValue) \(item.rawValue)"]?.joined()
            #expect(Self.wire(item.decision, to: asker) == expected, "\(asker) \(item)")
        }
    }

    /// Answers encoded through a kept cache are the ones encoded afresh, asked in turn by every front end.
    @Test func aKeptCacheChangesNoAnswer() {
        let memo = AnswerMemo()
        for _ in 0..<2 {
            for asker in Asker.allCases {
                for item in Case.allCases {
                    #expect(Self.wire(item.decision, to: asker, memo: memo) == Self.wire(item.decision, to: asker))
                }
            }
        }
    }

    /// The FastCGI encoder writes in place what the general record writer makes of the CGI stream.
    @Test(arguments: [FrontEnd.nginx, .apacheAuthorizer, .apacheAccessChecker, .apacheExplain])
    func fastCGIRecordsInPlace(frontEnd: FrontEnd) {
        for item in Case.allCases {
            let answer = AuthAnswer(item.decision, profile: .fastCGI(frontEnd), policy: GatePolicy())
            var inPlace: [UInt8] = [7]
            var general: [UInt8] = [7]
            FastCGIResponseWriter.append(answer, requestID: 258, to: &inPlace)
            FastCGIResponseWriter.appendResponse(requestID: 258, head: answer.cgiStream(), body: [], to: &general)
            #expect(inPlace == general, "\(frontEnd) \(item)")
        }
    }
}

/// `?ratelimit=ietf` and `?ratelimit=none`: the pinned nginx bytes less exactly the rate-limit lines left out.
extension AnswerEncoderTests {
    static func http(_ decision: Decision, query: Substring) throws -> String {
        let style = try ForwardAuthStyle.parse(query).get()
        var out: [UInt8] = []
        HTTPResponseWriter.append(
            AuthAnswer(decision, profile: style.profile, policy: GatePolicy()), keepAlive: true, minorVersion: 1,
            to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test(arguments: [RateLimitFields.ietf, .none])
    func aListenerCanLeaveRateLimitFieldsOut(fields: RateLimitFields) throws {
        let trio = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
        let left = Set(fields == .ietf ? trio : trio + ["RateLimit-Policy", "RateLimit"])
        for item in [Case.allowLimited, .rateLimited, .allow, .revoked] {
            let full = Self.wire(item.decision, to: .httpNginx)
            // "\r\n" is one Character: the lines, with the empty ones that end the head.
            let expected = full.split(separator: "\r\n", omittingEmptySubsequences: false)
                .filter { line in !left.contains(where: { line.hasPrefix($0 + ": ") }) }.joined(separator: "\r\n")
            let written = try Self.http(item.decision, query: "ratelimit=\(fields.rawValue)")
            #expect(written == expected, "\(item)")
            #expect(try Self.http(item.decision, query: "ratelimit=all") == full, "\(item)")
        }
        // The limit denial still says when to come back.
        #expect(try Self.http(Case.rateLimited.decision, query: "ratelimit=none").contains("\r\nRetry-After: 30\r\n"))
        #expect(Self.wire(Case.allowLimited.decision, to: .httpNginx).contains("X-RateLimit-Remaining: 1\r\n"))
    }

    @Test func theRateLimitOptionParsesAndRoundTrips() throws {
        let style = try ForwardAuthStyle.parse("for=caddy&ratelimit=IETF").get()
        #expect(style.profile.rateLimitFields == .ietf)
        #expect(style.description == "for=caddy&allow=204&client-ip=x-forwarded-for&ratelimit=ietf")
        #expect(try ForwardAuthStyle.parse(Substring(style.description)).get() == style)
        #expect(try ForwardAuthStyle.parse("").get().description == "for=nginx&allow=204&client-ip=x-forwarded-for")
        guard case .failure(let error) = ForwardAuthStyle.parse("ratelimit=some") else {
            Issue.record("ratelimit=some was accepted")
            return
        }
        #expect(error.description.contains("ratelimit=some: use all"))
    }
}
