extension CreditPolicy {
    /// Parses an initial balance (`5000`, 0 to 1,000,000,000) and an optional refill: `1000/day`, `1000/month`
    /// (on the 1st) or `1000/month@15` (on the 15th; 29-31 mean the last day in shorter months).
    ///
    /// `name` defaults to `credits`.
    public static func parse(initial: String, refill: String?, name: String? = nil) throws(LimitSpecError)
        -> CreditPolicy
    {
        let initialSyntax = LimitSpecSyntax(kind: "credits", input: initial)
        let balance = try initialSyntax.number(initial[...], what: "the initial balance", minimum: 0)
        let name = try LimitSpecSyntax.name(name, fallback: "credits")
        guard let refill else { return CreditPolicy(initial: balance, refill: .none, name: name) }

        let syntax = LimitSpecSyntax(kind: "refill", input: refill)
        let expected = "N/day, N/month or N/month@DAY, e.g. 1000/month@15"
        let parts = refill.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw syntax.error(.malformed(expected: expected)) }
        let (countText, unit) = try syntax.rate(parts[0], expected: expected)
        let amount = try syntax.number(countText, what: "the refill amount", minimum: 1)
        switch (QuotaPolicy.window(unit), parts.count == 2 ? parts[1] : nil) {
        case (nil, _):
            throw syntax.error(.unknownUnit(allowed: "day, month"))
        case (.day, nil):
            return CreditPolicy(initial: balance, refill: .daily(amount: amount), name: name)
        case (.day, _?):
            throw syntax.error(.invalidRefillDay)
        case (.month, nil):
            return CreditPolicy(initial: balance, refill: .monthly(amount: amount, day: 1), name: name)
        case (.month, let dayText?):
            let dayText = LimitSpecSyntax.trimmed(dayText)
            guard !dayText.isEmpty, dayText.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw syntax.error(.notANumber(String(dayText)))
            }
            guard dayText.count <= 2, let day = Int(dayText), (1...31).contains(day) else {
                throw syntax.error(.invalidRefillDay)
            }
            return CreditPolicy(initial: balance, refill: .monthly(amount: amount, day: day), name: name)
        }
    }
}
