import KeygateTesting
import Testing

@testable import KeygateCore

struct LimitPolicyWordsTests {
    typealias T = LimitTime

    /// The word indices of `policies`, or the misfit.
    static func indices(_ policies: PolicySet) -> Result<[Int], CounterRecordMisfit> {
        PolicyWords.assigning(policies).map { words in (0..<words.count).map { words[$0].rawValue } }
    }

    @Test func theRecordLayoutIsPinned() {
        // The counters file's layout since version 1: a renamed case is fine, a moved one breaks every file on disk.
        let expected: [(CounterRecordWord, Int)] = [
            (.lease, 0), (.reserved, 1), (.ratePerSecond, 2), (.ratePerMinute, 3), (.ratePerHour, 4), (.ratePerDay, 5),
            (.dailyQuota, 6), (.monthlyQuota, 7), (.credits, 8), (.admitted, 9), (.rejected, 10), (.owner, 11),
            (.rolledAdmitted, 12), (.rolledRejected, 13), (.otherRate, 14), (.secondOtherRate, 15),
        ]
        #expect(expected.map(\.0.rawValue) == expected.map(\.1))
        #expect(CounterRecordWord.allCases.count == CounterRecordWord.count)
        #expect(CounterRecordWord.count * 8 == 128)
        #expect(CounterRecordWord.policyWords.map(\.rawValue) == [2, 3, 4, 5, 6, 7, 8, 14, 15])
    }

    @Test func everyPolicyKindHasItsWord() {
        let policies = PolicySet(
            rateLimits: [
                RateLimitPolicy(limit: 1, periodMicros: T.second), RateLimitPolicy(limit: 2, periodMicros: T.minute),
                RateLimitPolicy(limit: 3, periodMicros: T.hour), RateLimitPolicy(limit: 4, periodMicros: T.day),
            ],
            quotas: [QuotaPolicy(limit: 5, window: .day), QuotaPolicy(limit: 6, window: .month)],
            credits: CreditPolicy(initial: 7))
        #expect(Self.indices(policies) == .success([2, 3, 4, 5, 6, 7, 8]))
        let words = try? PolicyWords.assigning(policies).get()
        #expect(words?.count == policies.stateCount)
        #expect(words?.holds(.credits) == true && words?.holds(.otherRate) == false)
    }

    @Test func wordsFollowTheStateOrderNotThePeriods() {
        // State order is the set's order (rate limits, quotas, credits); each keeps its period's or window's word.
        let policies = PolicySet(
            rateLimits: [
                RateLimitPolicy(limit: 5, periodMicros: T.day), RateLimitPolicy(limit: 2, periodMicros: T.second),
            ],
            quotas: [QuotaPolicy(limit: 9, window: .month), QuotaPolicy(limit: 3, window: .day)])
        #expect(Self.indices(policies) == .success([5, 2, 7, 6]))
        #expect(Self.indices(PolicySet(credits: CreditPolicy(initial: 1))) == .success([8]))
        #expect(Self.indices(PolicySet()) == .success([]))
    }

    @Test func unusualPeriodsTakeTheTwoSpareWordsThenAreRefused() {
        let ninety = RateLimitPolicy(limit: 5, periodMicros: 90 * T.second)
        let seven = RateLimitPolicy(limit: 5, periodMicros: 7 * T.second)
        let minute = RateLimitPolicy(limit: 5, periodMicros: T.minute)
        #expect(Self.indices(PolicySet(rateLimits: [ninety, minute, seven])) == .success([14, 3, 15]))
        // Two limits with the same unusual period still get a word each.
        #expect(Self.indices(PolicySet(rateLimits: [ninety, ninety])) == .success([14, 15]))
        let third = RateLimitPolicy(limit: 1, periodMicros: 45 * T.second)
        let refused = PolicySet(rateLimits: [ninety, seven, third])
        #expect(Self.indices(refused) == .failure(.noSpareWord(policy: "1-per-45s")))
        #expect(
            CounterRecordMisfit.noSpareWord(policy: "1-per-45s").description
                == "rate limit '1-per-45s' does not fit: a counter record holds two limits with periods other than "
                + "1 s, 1 min, 1 hour or 1 day")
    }

    @Test func twoPoliciesThatWouldShareAWordAreRefusedAsAValue() {
        let perMinute = PolicySet(
            rateLimits: [
                RateLimitPolicy(limit: 100, periodMicros: T.minute), RateLimitPolicy(limit: 5, periodMicros: T.second),
                RateLimitPolicy(limit: 200, periodMicros: T.minute),
            ])
        let misfit = CounterRecordMisfit.sharedWord(.ratePerMinute, first: "100-per-min", second: "200-per-min")
        #expect(Self.indices(perMinute) == .failure(misfit))
        #expect(
            misfit.description
                == "policies '100-per-min' and '200-per-min' would share the counter word for rate limits per minute: "
                + "keep one")
        let daily = PolicySet(quotas: [QuotaPolicy(limit: 1, window: .day), QuotaPolicy(limit: 2, window: .day)])
        #expect(Self.indices(daily) == .failure(.sharedWord(.dailyQuota, first: "1-per-day", second: "2-per-day")))
    }

    /// Random sets of up to nine policies: every set is either refused, because two of its policies have the same
    /// fixed word or a third unusual period has none, or assigned words that are policy words, one per policy, all
    /// different.
    @Test func twoPoliciesNeverShareAWord() {
        var random = SeededRandom(seed: 11)
        let periods: [Int64] = [T.second, T.minute, T.hour, T.day, 90 * T.second, 7 * T.second]
        var refusedCount = 0
        for _ in 0..<2000 {
            let rateLimits = (0..<Int.random(in: 0...5, using: &random)).map { _ in
                RateLimitPolicy(limit: 10, periodMicros: periods.randomElement(using: &random)!)
            }
            let quotas = (0..<Int.random(in: 0...2, using: &random)).map { _ in
                QuotaPolicy(limit: 10, window: Bool.random(using: &random) ? .day : .month)
            }
            let policies = PolicySet(
                rateLimits: rateLimits, quotas: quotas,
                credits: Bool.random(using: &random) ? CreditPolicy(initial: 1) : nil)
            let fixedPeriods = rateLimits.map(\.periodMicros).filter {
                [T.second, T.minute, T.hour, T.day].contains($0)
            }
            let unusual = rateLimits.count - fixedPeriods.count
            let fits =
                Set(fixedPeriods).count == fixedPeriods.count && Set(quotas.map(\.window)).count == quotas.count
                && unusual <= 2
            switch Self.indices(policies) {
            case .success(let indices):
                #expect(fits)
                #expect(indices.count == policies.stateCount)
                #expect(Set(indices).count == indices.count, "a word shared: \(indices)")
                #expect(indices.allSatisfy { index in CounterRecordWord.policyWords.contains { $0.rawValue == index } })
            case .failure:
                refusedCount += 1
                #expect(!fits)
            }
        }
        #expect(refusedCount > 100 && refusedCount < 1900, "both outcomes exercised")
    }
}
