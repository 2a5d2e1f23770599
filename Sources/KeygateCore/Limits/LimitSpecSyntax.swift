/// The lexical rules shared by limit, quota, credit and refill specs, bound to one input for error messages.
struct LimitSpecSyntax {
    /// The largest count, burst, quota or credit amount a spec may give.
    static let maximumCount: Int64 = 1_000_000_000
    /// The longest policy name, in characters.
    static let maximumNameLength = 64

    /// `limit`, `quota`, `credits`, `refill` or `cost`.
    let kind: String
    let input: String

    func error(_ reason: LimitSpecError.Reason) -> LimitSpecError {
        LimitSpecError(kind: self.kind, input: self.input, reason: reason)
    }

    /// `text` without leading or trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// `N/unit` split into its trimmed count and lowercased unit, or a `malformed` error.
    func rate(_ text: Substring, expected: String) throws(LimitSpecError) -> (count: Substring, unit: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !Self.trimmed(parts[0]).isEmpty, !Self.trimmed(parts[1]).isEmpty else {
            throw self.error(.malformed(expected: expected))
        }
        return (Self.trimmed(parts[0]), Self.trimmed(parts[1]).lowercased())
    }

    /// A whole decimal number in `minimum...maximumCount`; `what` names it in errors ("the count", "burst").
    func number(_ text: Substring, what: String, minimum: Int64) throws(LimitSpecError) -> Int64 {
        let text = Self.trimmed(text)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }
        if text.first == "-" && isDigits(text.dropFirst()) {
            throw self.error(.tooSmall(what: what, minimum: minimum))
        }
        guard isDigits(text) else { throw self.error(.notANumber(String(text))) }
        var value: Int64 = 0
        for digit in text.utf8 {
            value = value * 10 + Int64(digit - 0x30)
            if value > Self.maximumCount { throw self.error(.tooLarge(what: what, maximum: Self.maximumCount)) }
        }
        guard value >= minimum else { throw self.error(.tooSmall(what: what, minimum: minimum)) }
        return value
    }

    /// `name` if it is a valid policy name (1-64 printable ASCII characters), `fallback` if it is `nil`.
    static func name(_ name: String?, fallback: @autoclosure () -> String) throws(LimitSpecError) -> String {
        guard let name else { return fallback() }
        let scalars = name.unicodeScalars
        guard (1...Self.maximumNameLength).contains(scalars.count),
            scalars.allSatisfy({ (0x20...0x7E).contains($0.value) })
        else { throw LimitSpecError(kind: "name", input: name, reason: .invalidName) }
        return name
    }
}
