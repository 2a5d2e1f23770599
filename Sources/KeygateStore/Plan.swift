public import KeygateCore

/// A named set of limits that keys draw their defaults from (`free`, `pro`); a key's own limits override it.
///
/// See ``KeygateCore/KeyRecord/policies`` for the override rule. A plan whose stored specs do not parse reads with
/// no rate limits or quotas and ``KeygateCore/PolicySet/invalidLimitSpec``'s credits, so its keys admit nothing.
public struct Plan: Sendable, Equatable {
    /// 1-64 characters of `a-z`, `0-9`, `_` and `-`.
    public var name: String
    /// At most one per period, shortest period first.
    public var rateLimits: [RateLimitPolicy]
    /// At most one per window, daily first.
    public var quotas: [QuotaPolicy]
    public var credits: CreditPolicy?
    public var createdAtSeconds: Int64

    public init(
        name: String, rateLimits: [RateLimitPolicy] = [], quotas: [QuotaPolicy] = [], credits: CreditPolicy? = nil,
        createdAtSeconds: Int64
    ) {
        self.name = name
        self.rateLimits = rateLimits
        self.quotas = quotas
        self.credits = credits
        self.createdAtSeconds = createdAtSeconds
    }

    /// The plan's limits as one set: what a key on this plan with no limits of its own gets.
    public var policies: PolicySet {
        get { PolicySet(rateLimits: self.rateLimits, quotas: self.quotas, credits: self.credits) }
        set {
            self.rateLimits = newValue.rateLimits
            self.quotas = newValue.quotas
            self.credits = newValue.credits
        }
    }
}
