/// All of a key's rate limits, quotas and credits, evaluated together: all or nothing.
///
/// A request is admitted only if every policy admits it; a rejected request consumes from none of them. The
/// state words are ordered rate limits first, then quotas, then the credit balance (if any), so the caller
/// commits ``PolicySetEvaluation/newStates`` word by word, one compare-and-exchange each.
public struct PolicySet: Sendable, Equatable, Hashable {
    public var rateLimits: [RateLimitPolicy]
    public var quotas: [QuotaPolicy]
    public var credits: CreditPolicy?

    public init(rateLimits: [RateLimitPolicy] = [], quotas: [QuotaPolicy] = [], credits: CreditPolicy? = nil) {
        self.rateLimits = rateLimits
        self.quotas = quotas
        self.credits = credits
    }

    /// The number of state words: one per rate limit, per quota, and one for credits.
    public var stateCount: Int { self.rateLimits.count + self.quotas.count + (self.credits == nil ? 0 : 1) }

    /// Whether the set holds no policy at all (every request is admitted, no header is sent).
    public var isEmpty: Bool { self.stateCount == 0 }

    /// Policy names in state-word order.
    public var names: [String] {
        self.rateLimits.map(\.name) + self.quotas.map(\.name) + (self.credits.map { [$0.name] } ?? [])
    }

    /// Calls `body` with each policy's position and name, in state-word order, without building ``names``.
    public func forEachName(_ body: (Int, String) -> Void) {
        for (index, limit) in self.rateLimits.enumerated() { body(index, limit.name) }
        for (index, quota) in self.quotas.enumerated() { body(self.rateLimits.count + index, quota.name) }
        if let credits = self.credits { body(self.rateLimits.count + self.quotas.count, credits.name) }
    }

    /// Evaluates a request of `cost` at `nowMicros` against `states`, one word per policy in state-word order.
    ///
    /// When any policy rejects, every evaluation describes the state as it stays: `newState` is the old word and
    /// `remaining`/`resetMicros` are as before the request (policies that would have admitted are re-read with cost
    /// 0), while `admitted` still tells which policies would have admitted. A wrong number of states is a bug in
    /// the caller and traps.
    public func evaluating(states: [UInt64], cost: Int64, nowMicros: Int64) -> PolicySetEvaluation {
        states.withUnsafeBufferPointer { self.evaluating(states: $0, cost: cost, nowMicros: nowMicros) }
    }

    /// ``evaluating(states:cost:nowMicros:)`` over state words the caller holds in place (shared memory, the stack).
    public func evaluating(states: UnsafeBufferPointer<UInt64>, cost: Int64, nowMicros: Int64) -> PolicySetEvaluation {
        precondition(states.count == self.stateCount, "\(states.count) state words for \(self.stateCount) policies")
        var evaluations: [LimitEvaluation] = []
        evaluations.reserveCapacity(states.count)
        for (policy, state) in zip(self.rateLimits, states) {
            evaluations.append(policy.evaluating(state: state, cost: cost, nowMicros: nowMicros))
        }
        for (policy, state) in zip(self.quotas, states.dropFirst(self.rateLimits.count)) {
            evaluations.append(policy.evaluating(state: state, cost: cost, nowMicros: nowMicros))
        }
        if let credits = self.credits, let state = states.last {
            evaluations.append(credits.evaluating(state: state, cost: cost, nowMicros: nowMicros))
        }
        guard evaluations.contains(where: { !$0.admitted }) else {
            return PolicySetEvaluation(admitted: true, evaluations: evaluations, violated: [], retryAfterMicros: 0)
        }

        let names = self.names
        var violated: [String] = []
        var retryAfter: Int64 = 0
        for index in evaluations.indices {
            if evaluations[index].admitted {
                evaluations[index] = self.peeking(policyAt: index, state: states[index], nowMicros: nowMicros)
            } else {
                violated.append(names[index])
                retryAfter = max(retryAfter, evaluations[index].retryAfterMicros)
            }
            // Nothing is committed for a rejected request: every word stays what it was.
            evaluations[index].newState = states[index]
        }
        return PolicySetEvaluation(
            admitted: false, evaluations: evaluations, violated: violated, retryAfterMicros: retryAfter)
    }

    /// Policy `index` (in state-word order) evaluated with cost 0: its state as it is.
    func peeking(policyAt index: Int, state: UInt64, nowMicros: Int64) -> LimitEvaluation {
        if index < self.rateLimits.count {
            return self.rateLimits[index].evaluating(state: state, cost: 0, nowMicros: nowMicros)
        }
        let quotaIndex = index - self.rateLimits.count
        if quotaIndex < self.quotas.count {
            return self.quotas[quotaIndex].evaluating(state: state, cost: 0, nowMicros: nowMicros)
        }
        guard let credits = self.credits else { preconditionFailure("no policy at index \(index)") }
        return credits.evaluating(state: state, cost: 0, nowMicros: nowMicros)
    }
}
