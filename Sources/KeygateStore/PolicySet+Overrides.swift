public import KeygateCore

extension PolicySet {
    /// What a key gets when a stored limit spec does not parse: a balance of 0 credits that never refills, so no
    /// request with a cost of 1 or more is admitted (a cost-0 request is admitted, as by any policy).
    ///
    /// Stored specs are written by keygate in canonical form; one that does not parse means a damaged file or a
    /// newer writer, and the key fails closed rather than losing its limits. The policy name, reported in
    /// `violated-policies`, is `invalid-limit-spec`.
    public static let invalidLimitSpec = PolicySet(
        credits: CreditPolicy(initial: 0, refill: .none, name: "invalid-limit-spec"))

    /// These policies (a plan's) with `key`'s own applied on top: the key's effective policies.
    ///
    /// A key's rate limit replaces the rate limit with the same period, a key's quota the quota with the same
    /// window, and the key's credits, if set, the credits. The result is sorted by period and window.
    public func overridden(by key: PolicySet) -> PolicySet {
        var rateLimits = self.rateLimits.filter { planLimit in
            !key.rateLimits.contains { $0.periodMicros == planLimit.periodMicros }
        }
        rateLimits += key.rateLimits
        var quotas = self.quotas.filter { planQuota in !key.quotas.contains { $0.window == planQuota.window } }
        quotas += key.quotas
        return PolicySet(
            rateLimits: rateLimits.sorted { $0.periodMicros < $1.periodMicros },
            quotas: quotas.sorted { $0.window == .day && $1.window == .month },
            credits: key.credits ?? self.credits)
    }
}
