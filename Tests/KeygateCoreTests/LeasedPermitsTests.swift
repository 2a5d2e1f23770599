import KeygateCore
import Testing

/// Deciding from permits leased from Redis: spend only what is held, all or nothing; ask for more before running out;
/// in an outage a rate limit falls back to its share and a quota never admits beyond what is held.
struct LeasedPermitsTests {
    static let noon: Int64 = 20_000 * 86_400_000_000 + 43_200_000_000  // a day index of 20000, at noon
    static let rate = RateLimitPolicy(limit: 10, periodMicros: 1_000_000, burst: 10, name: "10-per-s")
    static let quota = QuotaPolicy(limit: 100, window: .day, name: "100-per-day")

    /// Words for `policies`, with `held` permits in hand per policy and quota tags for the day at ``noon``.
    static func words(_ policies: PolicySet, held: [Int64], unleased: Int64 = 50, lowWater: Int64 = 0) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: policies.stateCount * LeasedPermits.wordsPerPolicy)
        for index in 0..<policies.stateCount {
            let base = index * LeasedPermits.wordsPerPolicy
            words[base + LeasedPermits.heldWord] = UInt64(held[index])
            words[base + LeasedPermits.lowWaterWord] = UInt64(lowWater)
            if index >= policies.rateLimits.count {
                let window = PermitWindow(of: policies, at: index, nowMicros: Self.noon).index
                words[base + LeasedPermits.tagWord] = LeasedPermits.quotaTag(window: window, unleased: unleased)
            }
        }
        return words
    }

    static func decide(
        _ policies: PolicySet, _ words: inout [UInt64], valid: Bool = true, mode: LeasedPermits.Mode = .shared,
        cost: Int64 = 1, at now: Int64 = LeasedPermitsTests.noon, dryRun: Bool = false
    ) -> LeasedPermits.Verdict {
        words.withUnsafeMutableBufferPointer {
            LeasedPermits.deciding(
                policies, words: $0, rateLeaseValid: valid, mode: mode, cost: cost, nowMicros: now, dryRun: dryRun)
        }
    }

    @Test func anAdmittedRequestSpendsFromEveryPolicyAndADeniedOneFromNone() {
        let policies = PolicySet(rateLimits: [Self.rate], quotas: [Self.quota])
        var words = Self.words(policies, held: [3, 1])
        let first = Self.decide(policies, &words)
        #expect(first.evaluation.admitted)
        #expect(words[0] == 2 && words[LeasedPermits.wordsPerPolicy] == 0)
        // The quota has none left: the rate limit's permit is not spent either.
        let second = Self.decide(policies, &words)
        #expect(!second.evaluation.admitted)
        #expect(second.evaluation.violated == ["100-per-day"])
        #expect(words[0] == 2)
        #expect(second.needsLease, "Redis still has 50 of the day's permits")
    }

    @Test func ratePermitsPastTheirLeaseCountForNothing() {
        let policies = PolicySet(rateLimits: [Self.rate])
        var words = Self.words(policies, held: [5])
        let verdict = Self.decide(policies, &words, valid: false)
        #expect(!verdict.evaluation.admitted)
        #expect(verdict.needsLease && verdict.wantsTopUp)
        #expect(words[0] == 5, "the agent gives them back; a worker never spends them")
    }

    @Test func quotaPermitsOfAnotherWindowCountForNothing() {
        let policies = PolicySet(quotas: [Self.quota])
        var words = Self.words(policies, held: [7])
        let tomorrow = Self.noon + 86_400_000_000
        let verdict = Self.decide(policies, &words, at: tomorrow)
        #expect(!verdict.evaluation.admitted)
        #expect(verdict.evaluation.evaluations[0].remaining == 100, "a new window: Redis has all of it")
        #expect(verdict.needsLease)
    }

    @Test func aQuotaRedisHasGrantedInFullAsksForNothingMore() {
        let policies = PolicySet(quotas: [Self.quota])
        var words = Self.words(policies, held: [0], unleased: 0)
        let verdict = Self.decide(policies, &words)
        #expect(!verdict.evaluation.admitted)
        #expect(!verdict.needsLease && !verdict.wantsTopUp)
        #expect(verdict.evaluation.retryAfterMicros == 12 * 3_600_000_000, "until the day ends")
    }

    @Test func creditsAreSpentLikeAQuotaWhoseWindowIsTheRefillPeriod() {
        let once = PolicySet(credits: CreditPolicy(initial: 3))
        var words = Self.words(once, held: [1], unleased: 0)
        #expect(words[LeasedPermits.tagWord] != 0, "window 0 with nothing left to lease is still a leased word")
        #expect(Self.decide(once, &words).evaluation.admitted)
        let spent = Self.decide(once, &words)
        #expect(!spent.evaluation.admitted && !spent.needsLease && !spent.wantsTopUp)
        #expect(spent.evaluation.retryAfterMicros == .max, "credits without refill never come back")
        #expect(spent.evaluation.violated == ["credits"])
        // Never leased: ask, and wait for the answer.
        var fresh = [UInt64](repeating: 0, count: LeasedPermits.wordsPerPolicy)
        let first = Self.decide(once, &fresh)
        #expect(!first.evaluation.admitted && first.needsLease && first.wantsTopUp)

        // A daily refill: permits of yesterday's period count for nothing today, and a spent balance waits for
        // midnight.
        let daily = PolicySet(
            quotas: [Self.quota], credits: CreditPolicy(initial: 500, refill: .daily(amount: 50)))
        var dailyWords = Self.words(daily, held: [5, 5], unleased: 0)
        #expect(Self.decide(daily, &dailyWords, cost: 5).evaluation.admitted)
        let empty = Self.decide(daily, &dailyWords)
        #expect(!empty.evaluation.admitted && empty.evaluation.violated == ["100-per-day", "credits"])
        #expect(empty.evaluation.retryAfterMicros == 12 * 3_600_000_000)
        var yesterday = Self.words(daily, held: [5, 5])
        let tomorrow = Self.decide(daily, &yesterday, at: Self.noon + 86_400_000_000)
        #expect(!tomorrow.evaluation.admitted && tomorrow.needsLease)
        #expect(tomorrow.evaluation.evaluations[1].remaining == 50, "a refill: Redis has the refill amount")
    }

    @Test func aTopUpIsAskedForBelowTheLowWaterMark() {
        let policies = PolicySet(rateLimits: [Self.rate])
        var words = Self.words(policies, held: [6], lowWater: 4)
        #expect(!Self.decide(policies, &words).wantsTopUp)  // 5 left
        #expect(!Self.decide(policies, &words).wantsTopUp)  // 4 left
        #expect(Self.decide(policies, &words).wantsTopUp)  // 3 left
        #expect(words[0] == 3)
    }

    @Test func inAnOutageARateLimitAdmitsItsShareAndAQuotaOnlyWhatIsHeld() {
        let rateOnly = PolicySet(rateLimits: [Self.rate])
        var words = Self.words(rateOnly, held: [0])
        // Share of 1 of 3 hosts: burst ⌊10 / 3⌋ = 3 at once.
        var admitted = 0
        for _ in 0..<10 where Self.decide(rateOnly, &words, mode: .outage(nodes: 3)).evaluation.admitted {
            admitted += 1
        }
        #expect(admitted == 3)
        // A third of a second later one more (rate 10/s ÷ 3).
        let later = Self.decide(rateOnly, &words, mode: .outage(nodes: 3), at: Self.noon + 300_000)
        #expect(later.evaluation.admitted)
        #expect(!later.needsLease, "nobody to ask in an outage")

        let quotaOnly = PolicySet(quotas: [Self.quota])
        var quotaWords = Self.words(quotaOnly, held: [2])
        let results = (0..<4).map { _ in
            Self.decide(quotaOnly, &quotaWords, mode: .outage(nodes: 3)).evaluation.admitted
        }
        #expect(results == [true, true, false, false])
    }

    @Test func heldPermitsAreSpentFirstInAnOutage() {
        let policies = PolicySet(rateLimits: [Self.rate])
        var words = Self.words(policies, held: [2])
        for _ in 0..<2 { #expect(Self.decide(policies, &words, mode: .outage(nodes: 5)).evaluation.admitted) }
        #expect(words[0] == 0)
        #expect(words[LeasedPermits.localWord] == 0, "the share was not touched")
        #expect(Self.decide(policies, &words, mode: .outage(nodes: 5)).evaluation.admitted)  // the share's burst of 2
        #expect(words[LeasedPermits.localWord] != 0)
    }

    @Test func aDryRunSpendsNothing() {
        let policies = PolicySet(rateLimits: [Self.rate], quotas: [Self.quota])
        var words = Self.words(policies, held: [1, 1])
        let before = words
        #expect(Self.decide(policies, &words, dryRun: true).evaluation.admitted)
        #expect(words == before)
    }

    @Test func theCostIsSpentWholeOrNotAtAll() {
        let policies = PolicySet(quotas: [Self.quota])
        var words = Self.words(policies, held: [4])
        #expect(!Self.decide(policies, &words, cost: 5).evaluation.admitted)
        #expect(words[0] == 4)
        #expect(Self.decide(policies, &words, cost: 4).evaluation.admitted)
        #expect(words[0] == 0)
    }

    @Test func theOutageShareKeepsTheRateExact() {
        let share = LeasedPermits.outageShare(
            of: RateLimitPolicy(limit: 100, periodMicros: 60_000_000, burst: 30), nodes: 4)
        #expect(share.limit == 100 && share.periodMicros == 240_000_000 && share.burst == 7)
        let tiny = LeasedPermits.outageShare(of: RateLimitPolicy(limit: 1, periodMicros: 1_000_000, burst: 1), nodes: 8)
        #expect(tiny.burst == 1)
    }
}
