import KeygateCore
import KeygateTesting
import Testing

struct LimitCreditPolicyTests {
    typealias T = LimitTime
    static let now = LimitTime.newYear2026 + 10 * LimitTime.hour

    @Test func freshWordHoldsTheInitialBalance() {
        let credits = CreditPolicy(initial: 5000)
        let peek = credits.evaluating(state: 0, cost: 0, nowMicros: Self.now)
        #expect(peek.admitted)
        #expect(peek.remaining == 5000)
        #expect(peek.newState == 0)
        #expect(peek.limit == 5000)
        let spent = credits.evaluating(state: 0, cost: 1, nowMicros: Self.now)
        #expect(spent.remaining == 4999)
        #expect(spent.newState == CreditPolicy.writtenFlag | 4999)
    }

    @Test func spendingToZeroThenNever() {
        let credits = CreditPolicy(initial: 3)
        var word = LimitWord()
        for left in [2, 1, 0] as [Int64] {
            let evaluation = word.request { credits.evaluating(state: $0, cost: 1, nowMicros: Self.now) }
            #expect(evaluation.admitted)
            #expect(evaluation.remaining == left)
        }
        #expect(word.state == CreditPolicy.writtenFlag)  // spent: flag set, balance 0
        let rejected = word.request { credits.evaluating(state: $0, cost: 1, nowMicros: Self.now + 10 * T.year) }
        #expect(!rejected.admitted)
        #expect(rejected.remaining == 0)
        #expect(rejected.retryAfterMicros == .max)
        #expect(rejected.resetMicros == .max)
        #expect(rejected.windowMicros == 0)
    }

    @Test(arguments: [6, 100, Int64.max] as [Int64])
    func costAboveTheBalanceSpendsNothing(cost: Int64) {
        let credits = CreditPolicy(initial: 5, refill: .daily(amount: 50))
        let evaluation = credits.evaluating(state: 0, cost: cost, nowMicros: Self.now)
        #expect(!evaluation.admitted)
        #expect(evaluation.newState == 0)
        #expect(evaluation.remaining == 5)
        // A cost the refill covers waits for it; one above the refill amount never fits.
        #expect(evaluation.retryAfterMicros == (cost <= 50 ? 14 * T.hour : .max))
        #expect(credits.evaluating(state: 0, cost: 5, nowMicros: Self.now).remaining == 0)
    }

    @Test func dailyRefillSetsTheBalanceAtMidnight() {
        let credits = CreditPolicy(initial: 10, refill: .daily(amount: 100))
        var word = LimitWord()
        let first = word.request { credits.evaluating(state: $0, cost: 10, nowMicros: Self.now) }
        #expect(first.remaining == 0)
        #expect(first.resetMicros == 14 * T.hour)
        #expect(first.windowMicros == T.day)
        #expect(first.limit == 100)
        let today = UInt64(Self.now / T.day)
        #expect(word.state == CreditPolicy.writtenFlag | today << 32)
        let beforeMidnight = word.request {
            credits.evaluating(state: $0, cost: 1, nowMicros: T.newYear2026 + T.day - 1)
        }
        #expect(!beforeMidnight.admitted)
        #expect(beforeMidnight.retryAfterMicros == 1)
        let midnight = word.request { credits.evaluating(state: $0, cost: 1, nowMicros: T.newYear2026 + T.day) }
        #expect(midnight.admitted)
        #expect(midnight.remaining == 99)
        #expect(word.state == CreditPolicy.writtenFlag | (today + 1) << 32 | 99)
    }

    @Test func refillReplacesUnspentCredits() {
        // Unkey semantics: the refill sets the balance; 7 unspent credits do not carry over, and a week of
        // missed refills is one refill.
        let credits = CreditPolicy(initial: 10, refill: .daily(amount: 100))
        let state = credits.evaluating(state: 0, cost: 3, nowMicros: Self.now).newState
        #expect(credits.evaluating(state: state, cost: 0, nowMicros: Self.now + T.day).remaining == 100)
        #expect(credits.evaluating(state: state, cost: 1, nowMicros: Self.now + 7 * T.day).remaining == 99)
        // A larger initial balance shrinks to the refill amount too.
        let big = CreditPolicy(initial: 5000, refill: .daily(amount: 1000))
        #expect(
            big.evaluating(
                state: big.evaluating(state: 0, cost: 1, nowMicros: Self.now).newState, cost: 0,
                nowMicros: Self.now + T.day
            ).remaining == 1000)
    }

    @Test(
        arguments: [
            // refill day, now (UTC midnight seconds + µs), last refill, next refill (seconds)
            (31, 1_740_614_400, 12 * T.hour, 1_738_281_600, 1_740_700_800),  // Feb 27 2025: Jan 31 → Feb 28
            (31, 1_740_700_800, 0, 1_740_700_800, 1_743_379_200),  // Feb 28 2025 is the refill day
            (31, 1_709_078_400, 12 * T.hour, 1_706_659_200, 1_709_164_800),  // Feb 28 2024: leap, so Feb 29
            (31, 1_709_164_800, 0, 1_709_164_800, 1_711_843_200),  // Feb 29 2024 → Mar 31
            (31, 1_745_971_200, 0, 1_745_971_200, 1_748_649_600),  // Apr 30 2025 → May 31
            (30, 1_709_164_800, 0, 1_709_164_800, 1_711_756_800),  // Feb 29 2024 → Mar 30
            (30, 1_709_078_400, 0, 1_706_572_800, 1_709_164_800),  // Feb 28 2024: Jan 30 → Feb 29
            (15, 1_739_491_200, 0, 1_736_899_200, 1_739_577_600),  // Feb 14 2025: Jan 15 → Feb 15
            (15, 1_739_577_600, 0, 1_739_577_600, 1_741_996_800),  // Feb 15 2025 → Mar 15
            (1, 1_738_368_000, 0, 1_738_368_000, 1_740_787_200),  // Feb 1 2025 → Mar 1
            (1, 1_738_368_000, -1, 1_735_689_600, 1_738_368_000),  // a microsecond earlier: Jan 1 → Feb 1
            (1, 1_767_139_200, 0, 1_764_547_200, 1_767_225_600),  // Dec 31 2025: Dec 1 → Jan 1 2026
        ] as [(Int, Int64, Int64, Int64, Int64)])
    func monthlyRefillDaysClampToTheMonthsEnd(
        day: Int, midnight: Int64, offsetMicros: Int64, lastSeconds: Int64, nextSeconds: Int64
    ) {
        let credits = CreditPolicy(initial: 0, refill: .monthly(amount: 10, day: day))
        let now = T.utc(midnight, plus: offsetMicros)
        #expect(credits.lastRefillMicros(atOrBefore: now) == T.utc(lastSeconds))
        #expect(credits.nextRefillMicros(after: now) == T.utc(nextSeconds))
        // A word spent in the previous period is refilled now; its reset is the next refill.
        let previous = CreditPolicy.writtenFlag | UInt64(0) << 32
        let evaluation = credits.evaluating(state: previous, cost: 1, nowMicros: now)
        #expect(evaluation.admitted)
        #expect(evaluation.remaining == 9)
        #expect(evaluation.resetMicros == T.utc(nextSeconds) - now)
        #expect(evaluation.windowMicros == T.utc(nextSeconds) - T.utc(lastSeconds))
    }

    @Test func monthlyRefillIsAppliedLazily() {
        // Refill of 20 on the 15th. Spent out on Jan 20 2025; Feb 14 still empty; Feb 15 00:00 refilled.
        let credits = CreditPolicy(initial: 5, refill: .monthly(amount: 20, day: 15))
        var word = LimitWord()
        #expect(word.request { credits.evaluating(state: $0, cost: 5, nowMicros: T.utc(1_737_331_200)) }.admitted)
        let feb14 = T.utc(1_739_491_200, plus: 9 * T.hour)
        let empty = word.request { credits.evaluating(state: $0, cost: 1, nowMicros: feb14) }
        #expect(!empty.admitted)
        #expect(empty.retryAfterMicros == T.utc(1_739_577_600) - feb14)
        let refilled = word.request { credits.evaluating(state: $0, cost: 2, nowMicros: T.utc(1_739_577_600)) }
        #expect(refilled.admitted)
        #expect(refilled.remaining == 18)
        // Month 661 (2025-02) is the period of the Feb 15 refill.
        #expect(word.state == CreditPolicy.writtenFlag | 661 << 32 | 18)
    }

    @Test func clockSteppedBackAcrossARefillKeepsTheBalance() {
        let credits = CreditPolicy(initial: 10, refill: .daily(amount: 10))
        let afterMidnight = T.newYear2026 + T.second
        let state = credits.evaluating(state: 1 << 63, cost: 10, nowMicros: afterMidnight).newState  // refilled, spent
        let back = credits.evaluating(state: state, cost: 1, nowMicros: T.newYear2026 - T.second)
        #expect(!back.admitted)
        #expect(back.remaining == 0)
        #expect(back.retryAfterMicros == T.day + T.second)
    }

    @Test(arguments: [2 as UInt64, 1_000, 0x7FFF_FFFF])
    func corruptFuturePeriodReadsAsRefilled(ahead: UInt64) {
        let credits = CreditPolicy(initial: 10, refill: .daily(amount: 30))
        let today = UInt64(Self.now / T.day)
        let state = CreditPolicy.writtenFlag | min(today + ahead, 0x7FFF_FFFF) << 32
        let evaluation = credits.evaluating(state: state, cost: 1, nowMicros: Self.now)
        #expect(evaluation.admitted)
        #expect(evaluation.remaining == 29)
        #expect(evaluation.newState == CreditPolicy.writtenFlag | today << 32 | 29)
    }

    @Test func freshWordWithRefillWaitsForTheNextRefill() {
        let credits = CreditPolicy(initial: 2, refill: .monthly(amount: 100, day: 1))
        let evaluation = credits.evaluating(state: 0, cost: 3, nowMicros: Self.now)
        #expect(!evaluation.admitted)
        #expect(evaluation.remaining == 2)
        #expect(evaluation.retryAfterMicros == T.utc(1_769_904_000) - Self.now)  // Feb 1 2026
        #expect(evaluation.limit == 100)
    }

    @Test func arbitraryWordsAndClocksNeverTrap() {
        var random = SeededRandom(seed: 11)
        let policies = [
            CreditPolicy(initial: 5), CreditPolicy(initial: -5, refill: .daily(amount: .max)),
            CreditPolicy(initial: .max, refill: .monthly(amount: 7, day: 0)),
            CreditPolicy(initial: 1, refill: .monthly(amount: -1, day: 99)),
        ]
        for credits in policies {
            for _ in 0..<500 {
                let state = random.next() >> (random.next() % 64)
                let now = Int64(bitPattern: random.next()) >> (random.next() % 64)
                let cost = Int64(bitPattern: random.next()) >> (random.next() % 64)
                let evaluation = credits.evaluating(state: state, cost: cost, nowMicros: now)
                #expect(evaluation.remaining >= 0 && evaluation.remaining <= UInt32.max)
                #expect(evaluation.resetMicros >= 0)
                if !evaluation.admitted { #expect(evaluation.newState == state) }
            }
        }
    }

    @Test(arguments: [1, 15, 28, 29, 30, 31])
    func monthlyRefillFallsOnTheDayOrTheMonthsLastDay(day: Int) {
        // Every month from 2023 to 2101: the refill instant is midnight of min(day, days in month).
        let credits = CreditPolicy(initial: 0, refill: .monthly(amount: 1, day: day))
        var monthStart: Int64 = 1_672_531_200 * T.second  // 2023-01-01
        for year in Int64(2023)...2101 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            for days in [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as [Int64] {
                let refill = monthStart + (min(Int64(day), days) - 1) * T.day
                #expect(credits.lastRefillMicros(atOrBefore: refill) == refill)
                #expect(credits.nextRefillMicros(after: refill - 1) == refill)
                monthStart += days * T.day
            }
        }
    }
}
