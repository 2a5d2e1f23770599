import KeygateCore
import Testing

struct LimitRateLimitHeadersTests {
    typealias T = LimitTime
    /// 2026-01-01T09:16:40Z: 53000 s before the day ends.
    static let now = LimitTime.newYear2026 + 33_400 * LimitTime.second
    static let set = PolicySet(
        rateLimits: [RateLimitPolicy(limit: 100, periodMicros: T.minute)],
        quotas: [QuotaPolicy(limit: 10_000, window: .day)],
        credits: CreditPolicy(initial: 5000, refill: .daily(amount: 1000)))
    static let today = UInt64(20_454)
    static let policyField =
        #"RateLimit-Policy: "100-per-min";q=100;w=60, "10000-per-day";q=10000;w=86400, "credits";q=1000;w=86400"#

    static func fields(_ set: PolicySet, _ evaluation: PolicySetEvaluation) -> [String] {
        RateLimitHeaders(policies: set, evaluation: evaluation).fields.map { "\($0.name): \($0.value)" }
    }

    /// An evaluation of a one-policy set named `a`, with the given numbers.
    static func single(remaining: Int64 = 1, resetMicros: Int64, retryAfterMicros: Int64 = 0) -> [String] {
        let set = PolicySet(rateLimits: [RateLimitPolicy(limit: 5, periodMicros: T.second, name: "a")])
        let item = LimitEvaluation(
            admitted: retryAfterMicros == 0, newState: 0, remaining: remaining, limit: 5, resetMicros: resetMicros,
            retryAfterMicros: retryAfterMicros, windowMicros: T.second)
        let evaluation = PolicySetEvaluation(
            admitted: item.admitted, evaluations: [item], violated: item.admitted ? [] : ["a"],
            retryAfterMicros: retryAfterMicros)
        return fields(set, evaluation)
    }

    @Test func admittedAnswerForThreePolicies() {
        // 57 requests already in the minute's backlog, 41 used today, credits untouched.
        let states = [UInt64(Self.now + 57 * 600_000) << 9, Self.today << 32 | 41, 0]
        let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: Self.now)
        #expect(evaluation.admitted)
        #expect(
            Self.fields(Self.set, evaluation) == [
                Self.policyField,
                #"RateLimit: "100-per-min";r=42;t=35, "10000-per-day";r=9958;t=53000, "credits";r=4999;t=53000"#,
                "X-RateLimit-Limit: 100", "X-RateLimit-Remaining: 42", "X-RateLimit-Reset: 35",
            ])
        #expect(RateLimitHeaders(policies: Self.set, evaluation: evaluation).problemJSON == nil)
    }

    @Test func rejectedAnswerForThreePolicies() {
        let states = [UInt64(Self.now + T.minute) << 9, Self.today << 32 | 41, 0]
        let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: Self.now)
        #expect(!evaluation.admitted)
        let headers = RateLimitHeaders(policies: Self.set, evaluation: evaluation)
        #expect(
            Self.fields(Self.set, evaluation) == [
                Self.policyField,
                #"RateLimit: "100-per-min";r=0;t=60, "10000-per-day";r=9959;t=53000, "credits";r=5000;t=53000"#,
                "X-RateLimit-Limit: 100", "X-RateLimit-Remaining: 0", "X-RateLimit-Reset: 60", "Retry-After: 1",
            ])
        #expect(
            headers.problemJSON
                == #"{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","#
                + #""title":"Request cannot be satisfied as assigned quota has been exceeded","status":429,"#
                + #""violated-policies":["100-per-min"]}"#)
    }

    @Test(
        arguments: [
            (0, "t=0"), (1, "t=1"), (999_999, "t=1"), (1_000_000, "t=1"), (1_000_001, "t=2"), (59_400_000, "t=60"),
        ] as [(Int64, String)])
    func effectiveWindowRoundsUp(resetMicros: Int64, t: String) {
        #expect(Self.single(resetMicros: resetMicros)[1] == #"RateLimit: "a";r=1;"# + t)
        #expect(Self.single(resetMicros: resetMicros)[4] == "X-RateLimit-Reset: " + t.dropFirst(2))
    }

    @Test(
        arguments: [
            (1, "Retry-After: 1"), (999_999, "Retry-After: 1"), (1_000_000, "Retry-After: 1"),
            (1_000_001, "Retry-After: 2"), (86_400_000_000, "Retry-After: 86400"),
        ] as [(Int64, String)])
    func retryAfterRoundsUpToAtLeastOneSecond(retryAfterMicros: Int64, field: String) {
        let fields = Self.single(remaining: 0, resetMicros: 5, retryAfterMicros: retryAfterMicros)
        #expect(fields.last == field)
        #expect(fields.count == 6)
    }

    @Test func retryAfterOnlyWhenSomeWaitAdmits() {
        #expect(!Self.single(resetMicros: 5).contains { $0.hasPrefix("Retry-After") })
        let never = Self.single(remaining: 0, resetMicros: 5, retryAfterMicros: .max)
        #expect(!never.contains { $0.hasPrefix("Retry-After") })
        #expect(never.count == 5)
    }

    @Test func mostConstrainedIsTheLowestRemainingThenTheLongestReset() {
        // Both the minute limit and the day quota are at 0: the quota's reset is longer, so it is reported.
        let states = [UInt64(Self.now + T.minute) << 9, Self.today << 32 | 10_000, 0]
        let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: Self.now)
        let fields = Self.fields(Self.set, evaluation)
        #expect(
            fields[2...] == [
                "X-RateLimit-Limit: 10000", "X-RateLimit-Remaining: 0", "X-RateLimit-Reset: 53000",
                "Retry-After: 53000",
            ])
        // With room in the quota, credits (4999 left) lose to the minute limit (99 left).
        let light = Self.set.evaluating(states: [0, 0, 0], cost: 1, nowMicros: Self.now)
        #expect(
            Self.fields(Self.set, light)[2...4] == [
                "X-RateLimit-Limit: 100", "X-RateLimit-Remaining: 99",
                "X-RateLimit-Reset: 1",
            ])
    }

    @Test func creditsWithoutRefillHaveNoWindow() {
        let set = PolicySet(credits: CreditPolicy(initial: 10))
        let evaluation = set.evaluating(states: [0], cost: 1, nowMicros: Self.now)
        #expect(
            Self.fields(set, evaluation) == [
                #"RateLimit-Policy: "credits";q=10"#, #"RateLimit: "credits";r=9"#, "X-RateLimit-Limit: 10",
                "X-RateLimit-Remaining: 9",
            ])
        let spent = set.evaluating(states: [CreditPolicy.writtenFlag], cost: 1, nowMicros: Self.now)
        let headers = RateLimitHeaders(policies: set, evaluation: spent)
        #expect(headers.retryAfter == nil)
        #expect(headers.problemJSON?.hasSuffix(#""violated-policies":["credits"]}"#) == true)
    }

    @Test(arguments: [
        (1_709_164_800 as Int64, 2_505_600 as Int64),  // February 2024: 29 days
        (1_740_700_800, 2_419_200),  // February 2025: 28 days
        (1_714_435_200, 2_592_000),  // April 2024: 30 days
        (1_767_139_200, 2_678_400),  // December 2025: 31 days
    ])
    func monthlyQuotaWindowIsTheCurrentMonth(midnight: Int64, seconds: Int64) {
        let set = PolicySet(quotas: [QuotaPolicy(limit: 1_000_000, window: .month)])
        let evaluation = set.evaluating(states: [0], cost: 1, nowMicros: T.utc(midnight))
        #expect(
            Self.fields(set, evaluation)[0] == #"RateLimit-Policy: "1000000-per-month";q=1000000;w="# + "\(seconds)")
    }

    @Test(arguments: [
        (#"plain"#, #""plain""#), (#"a"b\c"#, #""a\"b\\c""#), ("café", #""caf?""#), ("tab\there", #""tab?here""#),
        ("", #""""#), (" ~", #"" ~""#),
    ])
    func namesAreStructuredFieldStrings(name: String, quoted: String) {
        #expect(RateLimitHeaders.structuredString(name) == quoted)
        let set = PolicySet(rateLimits: [RateLimitPolicy(limit: 1, periodMicros: T.second, name: name)])
        let evaluation = set.evaluating(states: [0], cost: 1, nowMicros: Self.now)
        #expect(Self.fields(set, evaluation)[0] == "RateLimit-Policy: \(quoted);q=1;w=1")
    }

    @Test(arguments: [
        ("plain", #""plain""#), (#"a"b\c"#, #""a\"b\\c""#), ("café", #""caf\u00e9""#), ("😀", #""\ud83d\ude00""#),
        ("line\nbreak\r\t", #""line\nbreak\r\t""#), ("\u{1}\u{7F}", #""\u0001\u007f""#),
    ])
    func problemJSONIsASCIIOnly(name: String, json: String) {
        #expect(JSONText.quoted(name) == json)
        let problem = RateLimitHeaders.problemJSON(violatedPolicies: [name, "b"])
        #expect(problem.hasSuffix("\"violated-policies\":[\(json),\"b\"]}"))
        #expect(problem.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) })
    }

    @Test func emptySetSendsNothing() {
        let evaluation = PolicySet().evaluating(states: [], cost: 1, nowMicros: Self.now)
        let headers = RateLimitHeaders(policies: PolicySet(), evaluation: evaluation)
        #expect(headers.fields.isEmpty)
        #expect(headers.problemJSON == nil)
    }
}
