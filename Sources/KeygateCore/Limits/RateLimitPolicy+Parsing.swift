extension RateLimitPolicy {
    /// The spelling of each accepted unit, and its period in microseconds.
    static let units: [String: Int64] = [
        "s": .microsPerSecond, "sec": .microsPerSecond, "second": .microsPerSecond,
        "min": 60 * .microsPerSecond, "minute": 60 * .microsPerSecond,
        "h": 3600 * .microsPerSecond, "hour": 3600 * .microsPerSecond,
        "d": .microsPerDay, "day": .microsPerDay,
    ]

    /// Parses `N/unit` with an optional `,burst=B`: `100/min`, `7/s`, `1000/hour,burst=50`.
    ///
    /// Units are `s`, `sec`, `second`, `min`, `minute`, `h`, `hour`, `d` and `day`, in any letter case. `N` and `B`
    /// are whole numbers from 1 to 1,000,000,000; spaces around the parts are ignored. `name` defaults to
    /// ``defaultName(limit:periodMicros:)``, e.g. `100-per-min`.
    public static func parse(_ spec: String, name: String? = nil) throws(LimitSpecError) -> RateLimitPolicy {
        let syntax = LimitSpecSyntax(kind: "limit", input: spec)
        let expected = "N/unit or N/unit,burst=B, e.g. 100/min"
        let components = spec.split(separator: ",", omittingEmptySubsequences: false)
        let (countText, unit) = try syntax.rate(components[0], expected: expected)
        let limit = try syntax.number(countText, what: "the count", minimum: 1)
        guard let periodMicros = Self.units[unit] else {
            throw syntax.error(.unknownUnit(allowed: "s, min, hour, day"))
        }
        var burst: Int64?
        for option in components.dropFirst() {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw syntax.error(.malformed(expected: expected)) }
            let key = LimitSpecSyntax.trimmed(parts[0]).lowercased()
            guard key == "burst" else { throw syntax.error(.unknownOption(key)) }
            guard burst == nil else { throw syntax.error(.duplicateOption(key)) }
            burst = try syntax.number(parts[1], what: "burst", minimum: 1)
        }
        let name = try LimitSpecSyntax.name(name, fallback: Self.defaultName(limit: limit, periodMicros: periodMicros))
        return RateLimitPolicy(limit: limit, periodMicros: periodMicros, burst: burst, name: name)
    }
}
