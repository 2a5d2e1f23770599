/// How one host decides a key's shared limits from the permits its agent leased from Redis: no network, no clock but
/// the one passed in, no shared memory (the caller reads and writes the words).
///
/// Each policy of the key has ``wordsPerPolicy`` words, in ``PolicySet`` state order:
/// - `held`: permits in hand, leased from Redis and not spent yet;
/// - `tag`: for a quota or credits, the window (refill period) the held permits belong to (bits 32-62, bit 63 set) and
///   how many of the window's permits Redis had not granted to anyone at the last lease (low 32 bits); for a rate limit, when Redis said its next
///   permit is due (Unix microseconds; 0 when it has not said);
/// - `local`: the state of the outage share, a GCRA at rate `r / nodes` and burst `max(1, b / nodes)` (rate limits);
/// - `lowWater`: the agent's top-up point: below it, the host asks for more before it runs out;
/// - `hint`: for a rate limit, the permits Redis's bucket still held after the last grant (for headers only).
///
/// A request is admitted only if every policy has `cost` permits in hand (all or nothing), and then spends them from
/// each. Rate permits are good until the record's lease expiry (the agent gives back what is left after it); quota
/// and credit permits for as long as their window (``PermitWindow``) lasts. While Redis cannot be reached (``Mode/outage(nodes:)``), a rate limit
/// with nothing in hand falls back to its outage share; quotas (and credits) never do: they deny beyond what is held.
public enum LeasedPermits {
    public static let wordsPerPolicy = 5
    public static let heldWord = 0
    public static let tagWord = 1
    public static let localWord = 2
    public static let lowWaterWord = 3
    public static let hintWord = 4

    /// Where permits come from now.
    public enum Mode: Sendable, Equatable {
        /// Redis is reachable: only leased permits admit.
        case shared
        /// Redis cannot be reached (the breaker is open, or the agent is gone): `nodes` hosts split each rate limit.
        case outage(nodes: Int64)
    }

    /// The decision on one request and what the host should do next.
    public struct Verdict: Sendable, Equatable {
        public var evaluation: PolicySetEvaluation
        /// Some policy was short of permits that Redis may still have: worth asking the agent and waiting briefly.
        public var needsLease: Bool
        /// Some policy is at or below its top-up point (or was never leased): ask the agent for more, without waiting.
        public var wantsTopUp: Bool
    }

    /// Bit 63 of a quota's or credits' `tag` word: set once the agent has leased, so that window 0 (credits without
    /// refill) with nothing left to grant is not the never-leased word 0.
    static let leasedTagFlag: UInt64 = 1 << 63

    /// The `tag` word of a quota or of credits: the window of the held permits and how many Redis had left to grant.
    public static func quotaTag(window: Int64, unleased: Int64) -> UInt64 {
        Self.leasedTagFlag | UInt64(truncatingIfNeeded: window & 0x7FFF_FFFF) << 32
            | UInt64(min(max(unleased, 0), Int64(UInt32.max)))
    }

    /// The window a quota's or credits' `tag` word names.
    public static func window(ofQuotaTag tag: UInt64) -> Int64 { Int64(tag >> 32 & 0x7FFF_FFFF) }

    /// Whether `tag` was written by a lease in `window`: the held permits are good now.
    public static func isCurrent(_ tag: UInt64, _ window: PermitWindow) -> Bool {
        tag & Self.leasedTagFlag != 0 && Self.window(ofQuotaTag: tag) == window.index
    }

    /// The unleased count a quota `tag` word holds.
    public static func unleased(ofQuotaTag tag: UInt64) -> Int64 { Int64(tag & 0xFFFF_FFFF) }

    /// The outage share of `policy` on one of `nodes` hosts: rate `r / nodes` (the period stretched, so the rate stays
    /// exact), burst `max(1, ⌊b / nodes⌋)`.
    public static func outageShare(of policy: RateLimitPolicy, nodes: Int64) -> RateLimitPolicy {
        let nodes = max(1, nodes)
        let (period, overflow) = policy.periodMicros.multipliedReportingOverflow(by: nodes)
        return RateLimitPolicy(
            limit: policy.limit, periodMicros: overflow ? Int64.max / 2 : period, burst: max(1, policy.burst / nodes),
            name: policy.name)
    }

    /// Decides a request of `cost` at `nowMicros` against `words` (``wordsPerPolicy`` per policy of `policies`), spending from them in place if it is admitted and `dryRun` is off.
    ///
    /// `rateLeaseValid` says whether the record's rate permits are still good (before the lease expiry).
    public static func deciding(
        _ policies: PolicySet, words: UnsafeMutableBufferPointer<UInt64>, rateLeaseValid: Bool, mode: Mode,
        cost: Int64, nowMicros: Int64, dryRun: Bool = false
    ) -> Verdict {
        precondition(words.count == policies.stateCount * Self.wordsPerPolicy, "leased words for other policies")
        let cost = max(cost, 0)
        var evaluations: [LimitEvaluation] = []
        evaluations.reserveCapacity(policies.stateCount)
        // Per policy: spend from the held permits (true), from the outage share (false), or deny (nil).
        var fromHeld: [Bool?] = []
        fromHeld.reserveCapacity(policies.stateCount)
        var needsLease = false
        var wantsTopUp = false

        for (index, policy) in policies.rateLimits.enumerated() {
            let base = index * Self.wordsPerPolicy
            let held = rateLeaseValid ? Int64(truncatingIfNeeded: words[base + Self.heldWord]) : 0
            let due = Int64(truncatingIfNeeded: words[base + Self.tagWord])
            let lowWater = Int64(truncatingIfNeeded: words[base + Self.lowWaterWord])
            // Headers count what Redis's bucket held at the last lease too: a lower bound, never above the burst.
            let hint = rateLeaseValid ? Int64(truncatingIfNeeded: words[base + Self.hintWord]) : 0
            if held >= cost {
                if held - cost < max(lowWater, 1) { wantsTopUp = true }
                evaluations.append(
                    LimitEvaluation(
                        admitted: true, newState: 0, remaining: min(held - cost + hint, policy.burst),
                        limit: policy.limit,
                        resetMicros: policy.periodMicros, retryAfterMicros: 0, windowMicros: policy.periodMicros))
                fromHeld.append(true)
                continue
            }
            wantsTopUp = true
            if case .outage(let nodes) = mode {
                let share = Self.outageShare(of: policy, nodes: nodes)
                var evaluation = share.evaluating(state: words[base + Self.localWord], cost: cost, nowMicros: nowMicros)
                evaluation.limit = policy.limit
                evaluation.windowMicros = policy.periodMicros
                evaluations.append(evaluation)
                fromHeld.append(evaluation.admitted ? false : nil)
                continue
            }
            // Redis may have permits unless it said the next is still to come.
            if due <= nowMicros { needsLease = true }
            let interval = max(1, (policy.periodMicros + policy.limit - 1) / max(policy.limit, 1))
            evaluations.append(
                LimitEvaluation(
                    admitted: false, newState: 0, remaining: max(held, 0), limit: policy.limit,
                    resetMicros: policy.periodMicros,
                    retryAfterMicros: cost > policy.burst ? Int64.max : max(due - nowMicros, interval),
                    windowMicros: policy.periodMicros))
            fromHeld.append(nil)
        }

        for index in policies.rateLimits.count..<policies.stateCount {
            let base = index * Self.wordsPerPolicy
            let window = PermitWindow(of: policies, at: index, nowMicros: nowMicros)
            let tag = words[base + Self.tagWord]
            let current = Self.isCurrent(tag, window)
            let held = current ? Int64(truncatingIfNeeded: words[base + Self.heldWord]) : 0
            let unleased = current ? Self.unleased(ofQuotaTag: tag) : window.limit
            let lowWater = Int64(truncatingIfNeeded: words[base + Self.lowWaterWord])
            let admitted = held >= cost
            if !admitted || held - cost < max(lowWater, 1) {
                // Nothing more to lease once Redis has granted the whole window.
                if unleased > 0 || !current { wantsTopUp = true }
            }
            if !admitted, case .shared = mode, unleased + held >= cost { needsLease = true }
            let retry: Int64 =
                admitted
                ? 0
                : cost > window.limit
                    ? Int64.max : unleased + held >= cost ? 1_000_000 : window.microsLeft(nowMicros: nowMicros)
            evaluations.append(
                LimitEvaluation(
                    admitted: admitted, newState: 0, remaining: max(0, unleased + held - (admitted ? cost : 0)),
                    limit: window.limit, resetMicros: window.microsLeft(nowMicros: nowMicros),
                    retryAfterMicros: retry, windowMicros: window.lengthMicros))
            fromHeld.append(admitted ? true : nil)
        }

        guard fromHeld.allSatisfy({ $0 != nil }) else {
            let names = policies.names
            var violated: [String] = []
            var retryAfter: Int64 = 0
            for index in evaluations.indices where fromHeld[index] == nil {
                violated.append(names[index])
                retryAfter = max(retryAfter, evaluations[index].retryAfterMicros)
            }
            for index in evaluations.indices where fromHeld[index] != nil {
                // An admitting policy's numbers as they stay: nothing is spent for a denied request.
                evaluations[index].remaining += cost
            }
            let evaluation = PolicySetEvaluation(
                admitted: false, evaluations: evaluations, violated: violated, retryAfterMicros: retryAfter)
            return Verdict(evaluation: evaluation, needsLease: needsLease, wantsTopUp: wantsTopUp)
        }
        if !dryRun {
            for (index, spend) in fromHeld.enumerated() {
                let base = index * Self.wordsPerPolicy
                if spend == true {
                    words[base + Self.heldWord] = UInt64(
                        truncatingIfNeeded: Int64(truncatingIfNeeded: words[base]) - cost)
                } else if index < policies.rateLimits.count {
                    let share = Self.outageShare(of: policies.rateLimits[index], nodes: mode.nodes)
                    words[base + Self.localWord] =
                        share.evaluating(state: words[base + Self.localWord], cost: cost, nowMicros: nowMicros).newState
                }
            }
        }
        let evaluation = PolicySetEvaluation(
            admitted: true, evaluations: evaluations, violated: [], retryAfterMicros: 0)
        return Verdict(evaluation: evaluation, needsLease: false, wantsTopUp: wantsTopUp)
    }
}

extension LeasedPermits.Mode {
    /// The hosts splitting a rate limit: 1 when shared (unused then).
    var nodes: Int64 {
        switch self {
        case .shared: 1
        case .outage(let nodes): nodes
        }
    }
}
