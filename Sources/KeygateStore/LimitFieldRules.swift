import KeygateCore

/// What keygate accepts for the limits and plan of a key or plan.
///
/// Policies are re-read from their canonical specs (``PolicySpecText``), so a policy built in code is held to the
/// same ranges as a typed spec, and what is stored reads back equal. Each function returns the policies to store,
/// sorted by period or window, or throws a ``KeyValidationError`` naming the field.
package enum LimitFieldRules {
    /// Longest plan name, in bytes.
    package static let maximumPlanNameLength = 64

    /// A plan name: 1-64 characters of `a-z`, `0-9`, `_` and `-`.
    package static func planName(_ name: String) throws(KeyValidationError) -> String {
        let isAllowed: (UInt8) -> Bool = {
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D
        }
        guard (1...Self.maximumPlanNameLength).contains(name.utf8.count), name.utf8.allSatisfy(isAllowed) else {
            throw KeyValidationError(
                field: "plan",
                reason: "\"\(name)\" must be 1-\(Self.maximumPlanNameLength) characters of a-z, 0-9, _ and -")
        }
        return name
    }

    /// Rate limits in canonical form, shortest period first; at most one per period.
    package static func rateLimits(_ limits: [RateLimitPolicy]) throws(KeyValidationError) -> [RateLimitPolicy] {
        var canonical: [RateLimitPolicy] = []
        for limit in limits {
            guard let spec = PolicySpecText.spec(limit) else {
                throw KeyValidationError(
                    field: "limits", reason: "a period of \(limit.periodMicros) µs is not 1 s, 1 min, 1 hour or 1 day")
            }
            let parsed: RateLimitPolicy
            do {
                parsed = try RateLimitPolicy.parse(spec)
            } catch {
                throw KeyValidationError(field: "limits", reason: error.description)
            }
            // Two limits per period would share a counter word: the counters' layout decides what fits.
            if case .failure = PolicyWords.assigning(PolicySet(rateLimits: canonical + [parsed])) {
                let noun = PolicySpecText.rateUnits.first { $0.periodMicros == parsed.periodMicros }?.noun ?? "period"
                throw KeyValidationError(field: "limits", reason: "two limits per \(noun): keep one")
            }
            canonical.append(parsed)
        }
        return canonical.sorted { $0.periodMicros < $1.periodMicros }
    }

    /// Quotas in canonical form, daily first; at most one per window.
    package static func quotas(_ quotas: [QuotaPolicy]) throws(KeyValidationError) -> [QuotaPolicy] {
        var canonical: [QuotaPolicy] = []
        for quota in quotas {
            let parsed: QuotaPolicy
            do {
                parsed = try QuotaPolicy.parse(PolicySpecText.spec(quota))
            } catch {
                throw KeyValidationError(field: "quotas", reason: error.description)
            }
            if case .failure = PolicyWords.assigning(PolicySet(quotas: canonical + [parsed])) {
                throw KeyValidationError(field: "quotas", reason: "two quotas per \(parsed.window.rawValue): keep one")
            }
            canonical.append(parsed)
        }
        return canonical.sorted { $0.window == .day && $1.window == .month }
    }

    /// A credit policy in canonical form (balance 0 to 1,000,000,000, refill day 1-31).
    package static func credits(_ credits: CreditPolicy) throws(KeyValidationError) -> CreditPolicy {
        do {
            return try CreditPolicy.parse(initial: String(credits.initial), refill: PolicySpecText.spec(credits.refill))
        } catch {
            throw KeyValidationError(field: "credits", reason: error.description)
        }
    }

    /// The audit note for a key's or plan's rate limits, e.g. `limits="10/s 1000/hour"`.
    package static func note(_ rateLimits: [RateLimitPolicy]) -> String {
        "limits=\"\(PolicySpecText.joined(rateLimits))\""
    }

    /// The audit note for quotas, e.g. `quotas="100000/month"`.
    package static func note(_ quotas: [QuotaPolicy]) -> String {
        "quotas=\"\(PolicySpecText.joined(quotas))\""
    }

    /// The audit note for credits, e.g. `credits=5000 refill=1000/month@15`, or `credits=none`.
    package static func note(_ credits: CreditPolicy?) -> String {
        guard let credits else { return "credits=none" }
        return "credits=\(credits.initial)" + (PolicySpecText.spec(credits.refill).map { " refill=\($0)" } ?? "")
    }

    /// The audit notes for the limits a new key or plan sets; empty ones are left out.
    package static func notes(rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?) -> [String]
    {
        var notes: [String] = []
        if !rateLimits.isEmpty { notes.append(Self.note(rateLimits)) }
        if !quotas.isEmpty { notes.append(Self.note(quotas)) }
        if let credits { notes.append(Self.note(credits)) }
        return notes
    }
}
