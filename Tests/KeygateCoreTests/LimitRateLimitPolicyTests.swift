import KeygateCore
import KeygateTesting
import Testing

struct LimitRateLimitPolicyTests {
    typealias T = LimitTime
    static let start = LimitTime.newYear2026

    /// Sends `count` requests of `cost` at `nowMicros` against `word`, returning how many were admitted.
    static func send(
        _ count: Int, of policy: RateLimitPolicy, cost: Int64 = 1, at nowMicros: Int64, word: inout LimitWord
    ) -> Int {
        var admitted = 0
        for _ in 0..<count
        where word.request({ policy.evaluating(state: $0, cost: cost, nowMicros: nowMicros) }).admitted {
            admitted += 1
        }
        return admitted
    }

    /// Every admitted arrival time for `arrivals` (sorted, one request of cost 1 each).
    static func admittedTimes(of policy: RateLimitPolicy, arrivals: [Int64]) -> [Int64] {
        var word = LimitWord()
        return arrivals.filter { now in word.request { policy.evaluating(state: $0, cost: 1, nowMicros: now) }.admitted
        }
    }

    /// The most admissions inside any closed interval `[t, t + lengthMicros]` of the sorted `times`.
    static func busiestWindow(_ times: [Int64], lengthMicros: Int64) -> Int {
        var best = 0
        var first = 0
        for last in times.indices {
            while times[last] - times[first] > lengthMicros { first += 1 }
            best = max(best, last - first + 1)
        }
        return best
    }

    @Test(
        arguments: [
            // spec, requests admitted at once from idle, exact retry-after of the next one (µs)
            ("100/min", 100, 600_000), ("7/s", 7, 142_858), ("1000/hour,burst=10", 10, 3_600_000),
            ("100/min,burst=1", 1, 600_000), ("5/s,burst=20", 20, 200_000), ("1/day", 1, 86_400_000_000),
        ] as [(String, Int, Int64)])
    func idleKeyAdmitsExactlyTheBurstThenWaitsExactly(spec: String, burst: Int, retryAfterMicros: Int64) throws {
        let policy = try RateLimitPolicy.parse(spec)
        var word = LimitWord()
        #expect(Self.send(burst, of: policy, at: Self.start, word: &word) == burst)
        let rejected = word.request { policy.evaluating(state: $0, cost: 1, nowMicros: Self.start) }
        #expect(!rejected.admitted)
        #expect(rejected.remaining == 0)
        #expect(rejected.retryAfterMicros == retryAfterMicros)
        // One microsecond early is still too early; at the retry-after instant the request is admitted.
        let early = policy.evaluating(state: word.state, cost: 1, nowMicros: Self.start + retryAfterMicros - 1)
        #expect(!early.admitted)
        #expect(early.retryAfterMicros == 1)
        #expect(policy.evaluating(state: word.state, cost: 1, nowMicros: Self.start + retryAfterMicros).admitted)
    }

    @Test func remainingAndResetCountTheBacklog() throws {
        let policy = try RateLimitPolicy.parse("100/min")
        var word = LimitWord()
        for used in 1...100 {
            let evaluation = word.request { policy.evaluating(state: $0, cost: 1, nowMicros: Self.start) }
            #expect(evaluation.admitted)
            #expect(evaluation.remaining == 100 - Int64(used))
            #expect(evaluation.resetMicros == Int64(used) * 600_000)
            #expect(evaluation.limit == 100)
            #expect(evaluation.windowMicros == T.minute)
            #expect(evaluation.retryAfterMicros == 0)
        }
        // Half a minute later half the window has drained: 50 requests available, 30 s to full.
        let later = policy.evaluating(state: word.state, cost: 0, nowMicros: Self.start + 30 * T.second)
        #expect(later.remaining == 50)
        #expect(later.resetMicros == 30 * T.second)
        #expect(later.newState == word.state)
    }

    @Test(arguments: ["100/min", "7/s", "1000/hour", "3/day", "100/min,burst=1", "499/hour,burst=3"])
    func steadyRateAtTheIntervalIsAdmittedForever(spec: String) throws {
        let policy = try RateLimitPolicy.parse(spec)
        var word = LimitWord()
        // Arrival k at ceil(k * period / limit): exactly the configured rate, over 20 periods.
        let count = Int(policy.limit) * 20
        for k in 0..<Int64(count) {
            let now = Self.start + (k * policy.periodMicros + policy.limit - 1) / policy.limit
            #expect(word.request { policy.evaluating(state: $0, cost: 1, nowMicros: now) }.admitted)
        }
    }

    @Test(arguments: [(1, 1_000, 1), (5, 1_000, 2_401), (5, 600_000, 5), (2, 1, 600_001)] as [(Int64, Int64, Int64)])
    func fasterThanTheIntervalIsRejectedOnceTheBurstIsSpent(burst: Int64, fasterByMicros: Int64, firstRejected: Int64) {
        // 100/min: T = 600 ms. Arrivals every T - δ grow the backlog by δ each: request k (from 0) needs
        // T + k·δ <= burst·T, so the first rejected is k = floor((burst - 1)·T / δ) + 1.
        let policy = RateLimitPolicy(limit: 100, periodMicros: T.minute, burst: burst)
        var word = LimitWord()
        var k: Int64 = 0
        while true {
            let now = Self.start + k * (600_000 - fasterByMicros)
            guard word.request({ policy.evaluating(state: $0, cost: 1, nowMicros: now) }).admitted else { break }
            k += 1
        }
        #expect(k == firstRejected)
    }

    @Test func noDoubleBurstAtAnyEdge() throws {
        // A fixed window would admit 100 just before the minute and 100 more just after it.
        let policy = try RateLimitPolicy.parse("100/min")
        var word = LimitWord()
        #expect(Self.send(100, of: policy, at: Self.start + 59_999_000, word: &word) == 100)
        #expect(Self.send(100, of: policy, at: Self.start + T.minute, word: &word) == 0)
        #expect(Self.send(100, of: policy, at: Self.start + T.minute + 1_000, word: &word) == 0)
        // 1.2 s after the burst, exactly two intervals have drained.
        #expect(Self.send(100, of: policy, at: Self.start + 59_999_000 + 1_200_000, word: &word) == 2)
    }

    @Test(arguments: [
        ("100/min", 1 as UInt64), ("100/min,burst=10", 2), ("7/s", 3), ("7/s,burst=1", 4), ("1000/hour,burst=50", 5),
        ("13/min,burst=30", 6),
    ])
    func anySlidingWindowHoldsAtMostTheBurstPlusTheRate(spec: String, seed: UInt64) throws {
        let policy = try RateLimitPolicy.parse(spec)
        var random = SeededRandom(seed: seed)
        let period = policy.periodMicros
        // Arrivals over two periods: clusters at period edges, random gaps of very different scales.
        var arrivals: [Int64] = []
        for edge in [period / 2, period - 1, period, period + 1, 2 * period - 1] {
            arrivals += Array(repeating: Self.start + edge, count: Int(policy.burst) + 3)
        }
        var now = Self.start
        while now < Self.start + 2 * period {
            arrivals.append(now)
            let scales = [policy.emissionIntervalMicros / 10, policy.emissionIntervalMicros, period / 50]
            now += Int64(random.next() % UInt64(max(scales[Int(random.next() % 3)], 1) * 2))
        }
        arrivals.sort()
        let admitted = Self.admittedTimes(of: policy, arrivals: arrivals)
        #expect(admitted.count > Int(policy.burst))
        for length in [0, 1, policy.emissionIntervalMicros, period / 3, period - 1, period, 2 * period] {
            let bound = Int(policy.burst + length * policy.limit / period)
            #expect(Self.busiestWindow(admitted, lengthMicros: length) <= bound, "window \(length) µs")
        }
    }

    @Test func costAboveOneSpendsThatManyIntervals() throws {
        let policy = try RateLimitPolicy.parse("100/min")
        var word = LimitWord()
        let first = word.request { policy.evaluating(state: $0, cost: 10, nowMicros: Self.start) }
        #expect(first.admitted)
        #expect(first.remaining == 90)
        #expect(first.resetMicros == 6 * T.second)
        #expect(Self.send(9, of: policy, cost: 10, at: Self.start, word: &word) == 9)
        let rejected = policy.evaluating(state: word.state, cost: 10, nowMicros: Self.start)
        #expect(!rejected.admitted)
        #expect(rejected.retryAfterMicros == 6 * T.second)
        // After 3 s five intervals are back: cost 5 fits, cost 6 does not.
        #expect(policy.evaluating(state: word.state, cost: 5, nowMicros: Self.start + 3 * T.second).admitted)
        let six = policy.evaluating(state: word.state, cost: 6, nowMicros: Self.start + 3 * T.second)
        #expect(!six.admitted)
        #expect(six.retryAfterMicros == 600_000)
    }

    @Test(arguments: [101, 1_000, Int64.max] as [Int64])
    func costAboveTheBurstIsNeverAdmitted(cost: Int64) throws {
        let policy = try RateLimitPolicy.parse("100/min")
        let evaluation = policy.evaluating(state: 0, cost: cost, nowMicros: Self.start)
        #expect(!evaluation.admitted)
        #expect(evaluation.retryAfterMicros == .max)
        #expect(evaluation.newState == 0)
        #expect(evaluation.remaining == 100)
    }

    @Test(arguments: [0, -1, Int64.min] as [Int64])
    func costZeroOrBelowPeeksWithoutWriting(cost: Int64) throws {
        let policy = try RateLimitPolicy.parse("100/min")
        let state = UInt64(Self.start + 30 * T.second) << 9
        let evaluation = policy.evaluating(state: state, cost: cost, nowMicros: Self.start)
        #expect(evaluation.admitted)
        #expect(evaluation.newState == state)
        #expect(evaluation.remaining == 50)
    }

    @Test func clockSteppingBackwardsDrainsNothing() throws {
        let policy = try RateLimitPolicy.parse("100/min")
        var word = LimitWord()
        #expect(Self.send(50, of: policy, at: Self.start, word: &word) == 50)
        let tat = RateLimitPolicy.tatMicros(ofState: word.state)
        #expect(tat == Self.start + 30 * T.second)
        // 10 s back: the backlog is 40 s, so 33 intervals are left and the TAT moves on from where it was.
        let back = word.request { policy.evaluating(state: $0, cost: 1, nowMicros: Self.start - 10 * T.second) }
        #expect(back.admitted)
        #expect(back.remaining == 32)
        #expect(RateLimitPolicy.tatMicros(ofState: word.state) == tat + 600_000)
        // Exhausted, then 30 s back: the wait is measured on the clock as it now reads.
        var full = LimitWord()
        #expect(Self.send(100, of: policy, at: Self.start, word: &full) == 100)
        let rejected = policy.evaluating(state: full.state, cost: 1, nowMicros: Self.start - 30 * T.second)
        #expect(!rejected.admitted)
        #expect(rejected.retryAfterMicros == 30 * T.second + 600_000)
        #expect(rejected.resetMicros == 90 * T.second)
    }

    @Test func hugeIdleGapsDrainFully() throws {
        let policy = try RateLimitPolicy.parse("100/min")
        var word = LimitWord()
        #expect(Self.send(100, of: policy, at: Self.start, word: &word) == 100)
        for now in [Self.start + 100 * T.year, Self.start + 200 * T.year, Int64.max] {
            let evaluation = policy.evaluating(state: word.state, cost: 1, nowMicros: now)
            #expect(evaluation.admitted)
            #expect(evaluation.remaining == 99)
            #expect(evaluation.resetMicros == 600_000)
        }
        var late = word
        #expect(Self.send(101, of: policy, at: Int64.max, word: &late) == 100)
    }

    @Test(arguments: [
        UInt64.max, 1 << 63, UInt64(Self.start + T.year) << 9, UInt64(Self.start + 2 * T.minute + 1) << 9,
        UInt64(Int64.max),
    ])
    func corruptFutureStateReadsAsIdle(state: UInt64) throws {
        // A TAT more than two windows ahead cannot come from this policy: it is not allowed to lock the key out.
        let policy = try RateLimitPolicy.parse("100/min")
        let evaluation = policy.evaluating(state: state, cost: 1, nowMicros: Self.start)
        #expect(evaluation.admitted)
        #expect(evaluation.remaining == 99)
        #expect(evaluation.newState == UInt64(Self.start + 600_000) << 9)
    }

    @Test func stateUpToTwoWindowsAheadIsHonoured() throws {
        let policy = try RateLimitPolicy.parse("100/min")
        let state = UInt64(Self.start + 2 * T.minute) << 9
        let evaluation = policy.evaluating(state: state, cost: 1, nowMicros: Self.start)
        #expect(!evaluation.admitted)
        #expect(evaluation.retryAfterMicros == T.minute + 600_000)
        #expect(evaluation.remaining == 0)
    }

    @Test func arbitraryWordsAndClocksNeverTrap() throws {
        var random = SeededRandom(seed: 42)
        let policies =
            try ["100/min", "7/s", "4099/s", "1000000000/s", "1/day,burst=1000000000"].map {
                try RateLimitPolicy.parse($0)
            } + [RateLimitPolicy(limit: -5, periodMicros: 0, burst: -1, name: "nonsense")]
        let nows: [Int64] = [.min, -1, 0, 1, Self.start, .max - 1, .max]
        for policy in policies {
            for _ in 0..<500 {
                let state = random.next() >> (random.next() % 64)
                let now = random.next() % 3 == 0 ? nows[Int(random.next() % 7)] : Int64(bitPattern: random.next())
                let cost = Int64(bitPattern: random.next()) >> (random.next() % 64)
                let evaluation = policy.evaluating(state: state, cost: cost, nowMicros: now)
                #expect(evaluation.remaining >= 0)
                #expect(evaluation.resetMicros >= 0)
                #expect(evaluation.retryAfterMicros >= 0)
                #expect(evaluation.admitted == (evaluation.retryAfterMicros == 0))
                if !evaluation.admitted { #expect(evaluation.newState == state) }
            }
        }
    }

    @Test(arguments: [
        // spec, periods, admissions by a client that always comes back at exactly now + retry-after
        ("7/s", 1_000 as Int64), ("1000/hour", 24), ("499/hour", 10), ("13/min", 500), ("100/min,burst=7", 100),
        ("3/day,burst=1", 400),
    ])
    func oddRatesAreExactOverLongRuns(spec: String, periods: Int64) throws {
        // The greedy client gets the burst at the start, then one every T: over [start, start + N·period]
        // (both ends included) that is exactly N·limit + burst, neither fewer (rounding) nor more.
        let policy = try RateLimitPolicy.parse(spec)
        let end = Self.start + periods * policy.periodMicros
        var word = LimitWord()
        var now = Self.start
        var admitted: Int64 = 0
        while now <= end {
            let evaluation = word.request { policy.evaluating(state: $0, cost: 1, nowMicros: now) }
            if evaluation.admitted { admitted += 1 } else { now += evaluation.retryAfterMicros }
        }
        #expect(admitted == periods * policy.limit + policy.burst)
    }

    @Test func ratesWithoutAnExactTickRoundTheIntervalUp() throws {
        // 4099 is prime and above 512: T is rounded up to 124909/512 µs, so the run admits a little less.
        let policy = try RateLimitPolicy.parse("4099/s")
        #expect(policy.ticksPerMicro == 512)
        let periods: Int64 = 20
        let end = Self.start + periods * T.second
        var word = LimitWord()
        var now = Self.start
        var admitted: Int64 = 0
        while now <= end {
            let evaluation = word.request { policy.evaluating(state: $0, cost: 1, nowMicros: now) }
            if evaluation.admitted { admitted += 1 } else { now += evaluation.retryAfterMicros }
        }
        let exact = periods * 4099 + 4099
        #expect(admitted < exact)
        #expect(exact - admitted <= 1 + exact / 100_000)
    }

    @Test(
        arguments: [
            // limit, period, ticks per µs, T in ticks, T in whole µs rounded up
            (100, LimitTime.minute, 1, 600_000, 600_000), (7, LimitTime.second, 7, 1_000_000, 142_858),
            (1000, LimitTime.hour, 1, 3_600_000, 3_600_000), (499, LimitTime.hour, 499, 3_600_000_000, 7_214_429),
            (4099, LimitTime.second, 512, 124_909, 244), (1_000_000_000, LimitTime.second, 512, 1, 1),
            (3, LimitTime.day, 1, 28_800_000_000, 28_800_000_000),
        ] as [(Int64, Int64, Int64, Int64, Int64)])
    func emissionIntervalIsExactOrRoundedUp(
        limit: Int64, periodMicros: Int64, ticksPerMicro: Int64, intervalTicks: Int64, intervalMicros: Int64
    ) {
        let policy = RateLimitPolicy(limit: limit, periodMicros: periodMicros)
        #expect(policy.ticksPerMicro == ticksPerMicro)
        #expect(policy.emissionIntervalTicks == intervalTicks)
        #expect(policy.emissionIntervalMicros == intervalMicros)
        #expect(policy.burst == limit)
    }

    @Test func stateWordIsMicrosAndTicks() throws {
        let perMinute = try RateLimitPolicy.parse("100/min")
        #expect(
            perMinute.evaluating(state: 0, cost: 1, nowMicros: Self.start).newState == UInt64(Self.start + 600_000) << 9
        )
        // 7/s counts sevenths of a microsecond: one interval is 142857 µs and 1/7.
        let perSecond = try RateLimitPolicy.parse("7/s")
        let word = perSecond.evaluating(state: 0, cost: 1, nowMicros: Self.start).newState
        #expect(word == UInt64(Self.start + 142_857) << 9 | 1)
        #expect(RateLimitPolicy.tatMicros(ofState: word) == Self.start + 142_857)
        let seven = perSecond.evaluating(state: 0, cost: 7, nowMicros: Self.start).newState
        #expect(seven == UInt64(Self.start + T.second) << 9)
        // Read under another rate, the fraction is dropped: at most 1 µs of difference.
        let reread = perMinute.evaluating(state: word, cost: 0, nowMicros: Self.start)
        #expect(reread.resetMicros == 142_857)
    }

    @Test(
        arguments: [
            (1, LimitTime.second, "1-per-s"), (100, LimitTime.minute, "100-per-min"), (5, LimitTime.hour, "5-per-hour"),
            (10, LimitTime.day, "10-per-day"), (5, 90 * LimitTime.second, "5-per-90s"), (5, 1_500, "5-per-1500us"),
        ] as [(Int64, Int64, String)])
    func defaultNamesSpellTheRate(limit: Int64, periodMicros: Int64, name: String) {
        #expect(RateLimitPolicy(limit: limit, periodMicros: periodMicros).name == name)
        #expect(RateLimitPolicy(limit: limit, periodMicros: periodMicros, name: "custom").name == "custom")
    }
}
