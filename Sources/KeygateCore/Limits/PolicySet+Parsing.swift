extension PolicySet {
    /// Parses a location's request cost: a whole number from 0 (free, but still reported in headers) to
    /// 1,000,000,000. Requests cost 1 unless a location says otherwise.
    public static func parseCost(_ text: String) throws(LimitSpecError) -> Int64 {
        try LimitSpecSyntax(kind: "cost", input: text).number(text[...], what: "the cost", minimum: 0)
    }
}
