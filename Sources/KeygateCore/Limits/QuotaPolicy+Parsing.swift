extension QuotaPolicy {
    /// Parses `N/day` or `N/month` (also `N/d`), `N` from 1 to 1,000,000,000: `10000/day`, `1000000/month`.
    ///
    /// `name` defaults to `<N>-per-<window>`, e.g. `10000-per-day`.
    public static func parse(_ spec: String, name: String? = nil) throws(LimitSpecError) -> QuotaPolicy {
        let syntax = LimitSpecSyntax(kind: "quota", input: spec)
        let (countText, unit) = try syntax.rate(spec[...], expected: "N/day or N/month, e.g. 10000/day")
        let limit = try syntax.number(countText, what: "the count", minimum: 1)
        guard let window = Self.window(unit) else { throw syntax.error(.unknownUnit(allowed: "day, month")) }
        let name = try LimitSpecSyntax.name(name, fallback: "\(limit)-per-\(window.rawValue)")
        return QuotaPolicy(limit: limit, window: window, name: name)
    }

    /// The window a unit spells: `day`/`d` or `month`.
    static func window(_ unit: String) -> Window? {
        switch unit {
        case "day", "d": return .day
        case "month": return .month
        default: return nil
        }
    }
}
