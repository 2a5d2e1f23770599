/// Where a quota's or a credit balance's leased permits belong at one instant: the quota's window, or the balance's
/// refill period (one endless period without refill), with its bounds.
///
/// Permits leased in one window are worth nothing in the next: a host spends them only while the window they were
/// leased in lasts, and gives back only to that window.
public struct PermitWindow: Sendable, Equatable {
    /// The window's index: a quota's ``QuotaPolicy/windowIndex(containing:)``, a balance's refill period (days or
    /// months since 1970, as in its state word; 0 without refill).
    public var index: Int64
    /// The most permits one window grants (a quota's limit; a balance's refill amount, or its initial amount without
    /// refill): for headers and retry times, Redis knows the exact figure.
    public var limit: Int64
    /// When the window ends, in Unix microseconds; `nil` for a balance without refill.
    public var endMicros: Int64?
    /// How long the window lasts, in microseconds; 0 for a balance without refill.
    public var lengthMicros: Int64

    /// The window of `quota` containing `nowMicros`.
    public init(_ quota: QuotaPolicy, nowMicros: Int64) {
        let end = quota.windowEndMicros(containing: nowMicros)
        self.index = quota.windowIndex(containing: nowMicros)
        self.limit = quota.limit
        self.endMicros = end
        self.lengthMicros = end - quota.windowStartMicros(containing: nowMicros)
    }

    /// The refill period of `credits` containing `nowMicros`.
    public init(_ credits: CreditPolicy, nowMicros: Int64) {
        let now = nowMicros.clampedLimitMicros
        self.index = credits.refillPeriodIndex(containing: now) ?? 0
        self.limit = credits.quota
        let end = credits.nextRefillMicros(after: now)
        self.endMicros = end
        self.lengthMicros = credits.lastRefillMicros(atOrBefore: now).map { (end ?? $0) - $0 } ?? 0
    }

    /// The window of the policy at state position `index` of `policies` (a quota or the credits, not a rate limit).
    public init(of policies: PolicySet, at index: Int, nowMicros: Int64) {
        let offset = index - policies.rateLimits.count
        precondition(offset >= 0, "a rate limit has no permit window")
        if offset < policies.quotas.count {
            self.init(policies.quotas[offset], nowMicros: nowMicros)
        } else if let credits = policies.credits, offset == policies.quotas.count {
            self.init(credits, nowMicros: nowMicros)
        } else {
            preconditionFailure("no policy at index \(index)")
        }
    }

    /// Microseconds from `nowMicros` to the window's end; `Int64.max` when it never ends.
    public func microsLeft(nowMicros: Int64) -> Int64 { self.endMicros.map { max($0 - nowMicros, 0) } ?? .max }
}
