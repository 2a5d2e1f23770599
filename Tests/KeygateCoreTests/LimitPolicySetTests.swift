import KeygateCore
import KeygateTesting
import Testing

struct LimitPolicySetTests {
    typealias T = LimitTime
    static let now = LimitTime.newYear2026 + 10 * LimitTime.hour

    static let set = PolicySet(
        rateLimits: [
            RateLimitPolicy(limit: 100, periodMicros: T.minute), RateLimitPolicy(limit: 2, periodMicros: T.second),
        ],
        quotas: [QuotaPolicy(limit: 5, window: .day)],
        credits: CreditPolicy(initial: 10))

    @Test func layoutIsRateLimitsThenQuotasThenCredits() {
        #expect(Self.set.stateCount == 4)
        #expect(Self.set.names == ["100-per-min", "2-per-s", "5-per-day", "credits"])
        #expect(PolicySet().isEmpty)
        #expect(PolicySet(credits: CreditPolicy(initial: 1)).stateCount == 1)
    }

    @Test func admittedRequestAdvancesEveryWord() {
        let evaluation = Self.set.evaluating(states: [0, 0, 0, 0], cost: 1, nowMicros: Self.now)
        #expect(evaluation.admitted)
        #expect(evaluation.violated.isEmpty)
        #expect(evaluation.retryAfterMicros == 0)
        #expect(evaluation.newStates == evaluation.evaluations.map(\.newState))
        #expect(evaluation.evaluations.map(\.remaining) == [99, 1, 4, 9])
        #expect(!evaluation.newStates.contains(0))
    }

    @Test(
        arguments: [
            // the states that make one policy reject, and its name
            ([0, 0, UInt64(20_454) << 32 | 5, 0], "5-per-day"),
            ([0, 0, 0, CreditPolicy.writtenFlag], "credits"),
            ([0, UInt64(LimitTime.newYear2026 + 10 * LimitTime.hour + LimitTime.second) << 9, 0, 0], "2-per-s"),
        ] as [([UInt64], String)])
    func oneRejectionConsumesFromNone(states: [UInt64], violated: String) {
        let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: Self.now)
        #expect(!evaluation.admitted)
        #expect(evaluation.newStates == states)
        #expect(evaluation.evaluations.map(\.newState) == states)
        #expect(evaluation.violated == [violated])
        // The other policies report their state as it stays: nothing was taken from them.
        let peeks = Self.set.evaluating(states: states, cost: 0, nowMicros: Self.now)
        #expect(evaluation.evaluations.map(\.remaining) == peeks.evaluations.map(\.remaining))
        #expect(evaluation.evaluations.map(\.resetMicros) == peeks.evaluations.map(\.resetMicros))
        #expect(evaluation.evaluations.map(\.admitted) == Self.set.names.map { $0 != violated })
    }

    @Test func retryAfterIsTheLongestViolatedWait() {
        // 2/s exhausted (0.5 s to wait) and the day quota exhausted (14 h): the request waits for both.
        let states = [0, UInt64(Self.now + T.second) << 9, UInt64(20_454) << 32 | 5, 0]
        let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: Self.now)
        #expect(evaluation.violated == ["2-per-s", "5-per-day"])
        #expect(evaluation.retryAfterMicros == 14 * T.hour)
        #expect(evaluation.evaluations[1].retryAfterMicros == 500_000)
        // Spent credits without refill never come back.
        let broke = Self.set.evaluating(
            states: [0, UInt64(Self.now + T.second) << 9, 0, CreditPolicy.writtenFlag], cost: 1, nowMicros: Self.now)
        #expect(broke.violated == ["2-per-s", "credits"])
        #expect(broke.retryAfterMicros == .max)
    }

    @Test func costAppliesToEveryPolicy() {
        let evaluation = Self.set.evaluating(states: [0, 0, 0, 0], cost: 2, nowMicros: Self.now)
        #expect(evaluation.evaluations.map(\.remaining) == [98, 0, 3, 8])
        let tooDear = Self.set.evaluating(states: [0, 0, 0, 0], cost: 3, nowMicros: Self.now)
        #expect(tooDear.violated == ["2-per-s"])  // above the burst of 2: never
        #expect(tooDear.retryAfterMicros == .max)
    }

    @Test func countersAgreeAfterManyMixedRequests() {
        // 2/s, 5/day and 10 credits, hammered for two days: every word counts exactly the admitted requests.
        var states: [UInt64] = [0, 0, 0, 0]
        var admitted = 0
        var random = SeededRandom(seed: 3)
        var now = Self.now
        for _ in 0..<2_000 {
            now += Int64(random.next() % UInt64(2 * T.minute))
            let evaluation = Self.set.evaluating(states: states, cost: 1, nowMicros: now)
            if evaluation.admitted {
                admitted += 1
                states = evaluation.newStates
            } else {
                #expect(evaluation.newStates == states)
            }
        }
        #expect(admitted == 10)  // 5 on each of the two days, and then the credits are spent
        #expect(states[3] == CreditPolicy.writtenFlag)
    }

    @Test func emptySetAdmitsEverything() {
        let evaluation = PolicySet().evaluating(states: [], cost: 1, nowMicros: Self.now)
        #expect(evaluation.admitted)
        #expect(evaluation.evaluations.isEmpty)
        #expect(evaluation.newStates.isEmpty)
    }
}
