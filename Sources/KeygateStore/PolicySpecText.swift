public import KeygateCore

/// How limits are stored: canonical spec text that the `KeygateCore` parsers read back to equal policies.
///
/// Rate limits are `N/unit` with `unit` one of `s`, `min`, `hour`, `day`, plus `,burst=B` only when the burst
/// differs from `N` (`100/min`, `100/min,burst=20`). Quotas are `N/day` or `N/month`. A credit refill is
/// `N/day`, `N/month` (on the 1st) or `N/month@D`. Lists are space-separated, sorted by period or window. Policy
/// names are not stored: a read policy has its default name (`100-per-min`, `credits`).
public enum PolicySpecText {
    /// The unit spelling of each period keygate stores, shortest period first.
    static let rateUnits: [(periodMicros: Int64, unit: String, noun: String)] = [
        (1_000_000, "s", "second"),
        (60_000_000, "min", "minute"),
        (3_600_000_000, "hour", "hour"),
        (86_400_000_000, "day", "day"),
    ]

    /// The canonical spec of `limit`, e.g. `100/min,burst=20`; `nil` for a period other than 1 s, min, hour or day.
    public static func spec(_ limit: RateLimitPolicy) -> String? {
        guard let unit = Self.rateUnits.first(where: { $0.periodMicros == limit.periodMicros })?.unit else {
            return nil
        }
        let rate = "\(limit.limit)/\(unit)"
        return limit.burst == limit.limit ? rate : rate + ",burst=\(limit.burst)"
    }

    /// The canonical spec of `quota`, e.g. `100000/month`.
    public static func spec(_ quota: QuotaPolicy) -> String {
        "\(quota.limit)/\(quota.window.rawValue)"
    }

    /// The canonical refill spec, e.g. `1000/month@15`; `nil` for ``CreditPolicy/Refill/none``.
    public static func spec(_ refill: CreditPolicy.Refill) -> String? {
        switch refill {
        case .none: return nil
        case .daily(let amount): return "\(amount)/day"
        case .monthly(let amount, let day): return day == 1 ? "\(amount)/month" : "\(amount)/month@\(day)"
        }
    }

    /// `limits` as stored: canonical specs joined with spaces. Call with validated limits only.
    static func joined(_ limits: [RateLimitPolicy]) -> String {
        limits.compactMap { Self.spec($0) }.joined(separator: " ")
    }

    /// `quotas` as stored: canonical specs joined with spaces.
    static func joined(_ quotas: [QuotaPolicy]) -> String {
        quotas.map { Self.spec($0) }.joined(separator: " ")
    }

    /// The rate limits in stored `text`; throws for any spec that does not parse.
    static func rateLimits(_ text: String) throws(LimitSpecError) -> [RateLimitPolicy] {
        var limits: [RateLimitPolicy] = []
        for spec in text.split(separator: " ") {
            limits.append(try RateLimitPolicy.parse(String(spec)))
        }
        return limits
    }

    /// The quotas in stored `text`; throws for any spec that does not parse.
    static func quotas(_ text: String) throws(LimitSpecError) -> [QuotaPolicy] {
        var quotas: [QuotaPolicy] = []
        for spec in text.split(separator: " ") {
            quotas.append(try QuotaPolicy.parse(String(spec)))
        }
        return quotas
    }

    /// The credit policy stored as an initial balance and refill spec; `nil` when neither is set.
    ///
    /// A refill without a balance is never written by keygate and throws, like any spec that does not parse.
    static func credits(initial: Int64?, refill: String?) throws(LimitSpecError) -> CreditPolicy? {
        guard let initial else {
            guard let refill else { return nil }
            throw LimitSpecError(kind: "refill", input: refill, reason: .malformed(expected: "a credit balance"))
        }
        return try CreditPolicy.parse(initial: String(initial), refill: refill)
    }
}
