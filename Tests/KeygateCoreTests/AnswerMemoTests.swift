import Testing

@testable import KeygateCore

/// The answer encoders' per-key cache never changes an answer: it renders again for another key, other identity
/// names, or a policy whose `q` or `w` moved (a monthly quota in a month of another length).
struct AnswerMemoTests {
    static let key = KeyRecord(
        id: "kid_0000000000000001", slot: 0, displayPrefix: "kg_abcdef", name: "billing", owner: "team-billing",
        scopes: ["reports:read"], createdAtSeconds: 1_700_000_000,
        policies: PolicySet(quotas: [try! QuotaPolicy.parse("1000/month")]))
    /// 2027-02-15 and 2027-03-15, 00:00 UTC: months of 28 and 31 days.
    static let february: Int64 = 1_802_649_600_000_000
    static let march: Int64 = 1_805_068_800_000_000

    static func http(_ key: KeyRecord, at nowMicros: Int64, memo: AnswerMemo) -> String {
        let evaluation = key.policies.evaluating(
            states: [UInt64](repeating: 0, count: key.policies.stateCount), cost: 1, nowMicros: nowMicros)
        let answer = AuthAnswer(
            Decision(.allow, key: key, limits: evaluation), profile: .http(.nginx), policy: GatePolicy(), memo: memo)
        var out: [UInt8] = []
        HTTPResponseWriter.append(answer, keepAlive: true, minorVersion: 1, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aMonthlyQuotasWindowFollowsTheMonth() {
        let memo = AnswerMemo()
        let february = Self.http(Self.key, at: Self.february, memo: memo)
        #expect(february.contains("RateLimit-Policy: \"1000-per-month\";q=1000;w=2419200\r\n"))
        let march = Self.http(Self.key, at: Self.march, memo: memo)
        #expect(march.contains("RateLimit-Policy: \"1000-per-month\";q=1000;w=2678400\r\n"))
        #expect(march == Self.http(Self.key, at: Self.march, memo: AnswerMemo()))
    }

    @Test func anotherKeyGetsItsOwnPieces() {
        let memo = AnswerMemo()
        var other = Self.key
        other.name = "payroll"
        other.policies = PolicySet(quotas: [try! QuotaPolicy.parse("5/month", name: "tiny")])
        _ = Self.http(Self.key, at: Self.march, memo: memo)
        let answer = Self.http(other, at: Self.march, memo: memo)
        #expect(answer == Self.http(other, at: Self.march, memo: AnswerMemo()))
        #expect(answer.contains("X-Keygate-Key-Name: payroll\r\n"))
        #expect(answer.contains("RateLimit-Policy: \"tiny\";q=5;w=2678400\r\n"))
    }

    @Test func identityLinesFollowTheProfilesNames() {
        let memo = AnswerMemo()
        let decision = Decision(.allow, key: Self.key)
        let nginx = AuthAnswer(decision, profile: .fastCGI(.nginx), policy: GatePolicy(), memo: memo).cgiStream()
        let apache = AuthAnswer(decision, profile: .fastCGI(.apacheAuthorizer), policy: GatePolicy(), memo: memo)
        #expect(String(decoding: nginx, as: UTF8.self).contains("\r\nX-Keygate-Key-Id: kid_0000000000000001\r\n"))
        #expect(
            String(decoding: apache.cgiStream(), as: UTF8.self)
                == "Status: 200\r\nVariable-KEYGATE_KEY_ID: kid_0000000000000001\r\nVariable-KEYGATE_KEY_NAME: billing\r\n"
                + "Variable-KEYGATE_OWNER: team-billing\r\nVariable-KEYGATE_SCOPES: reports:read\r\n\r\n")
    }
}
