/// Header values that every answer for one key repeats, rendered once and kept by the caller between requests
/// (``AuthAnswer/rendering(_:for:policy:limitDenyStatus:memo:)``; the server keeps one per cached key).
///
/// It checks itself: it remembers the key it was filled for and each policy's `q` and `w`, and renders again when
/// either differs (a monthly quota's window is the current month's length), so a memo never changes an answer.
public struct AnswerMemo: Sendable {
    /// The key the values below belong to.
    private var key: KeyRecord?
    /// The identity header values: header-safe id, name and owner, and the scopes joined by spaces.
    private var identity: [String] = []
    /// The identity header lines with nginx's names (``AuthAnswer/nginxIdentityNames``), as written on the wire.
    private var nginxIdentityLines: [UInt8] = []
    /// The start of each `RateLimit` item of the key's policies (``RateLimitHeaders/itemPrefixes(of:)``).
    private var rateLimitItemPrefixes: [[UInt8]]?
    /// `q` and `w` of each policy, in state-word order, that ``policyField`` was rendered for.
    private var policyNumbers: [Int64] = []
    /// The `RateLimit-Policy` value of the key's own policies.
    private var policyField: String?

    public init() {}

    /// Forgets everything unless it was filled for `key` (cheap for the very same stored key).
    private mutating func belong(to key: KeyRecord) {
        guard self.key != key else { return }
        self = AnswerMemo()
        self.key = key
    }

    /// The values of the four identity headers for `key`.
    mutating func identity(of key: KeyRecord) -> [String] {
        self.belong(to: key)
        if self.identity.isEmpty {
            self.identity = [
                AuthAnswer.headerSafe(key.id), AuthAnswer.headerSafe(key.name), AuthAnswer.headerSafe(key.owner),
                key.scopes.count == 1 ? key.scopes[0] : key.scopes.joined(separator: " "),
            ]
        }
        return self.identity
    }

    /// The four identity headers for `key` with nginx's names, as `Name: value\r\n` lines.
    mutating func nginxIdentityLines(of key: KeyRecord) -> [UInt8] {
        self.belong(to: key)
        if self.nginxIdentityLines.isEmpty {
            let values = self.identity(of: key)
            var lines: [UInt8] = []
            for (name, value) in zip(AuthAnswer.nginxIdentityNames, values) {
                lines += name.utf8
                lines += ": ".utf8
                lines += value.utf8
                lines += "\r\n".utf8
            }
            self.nginxIdentityLines = lines
        }
        return self.nginxIdentityLines
    }

    /// What each `RateLimit` item for `key`'s own policies starts with.
    mutating func rateLimitItemPrefixes(of key: KeyRecord) -> [[UInt8]] {
        self.belong(to: key)
        if let prefixes = self.rateLimitItemPrefixes { return prefixes }
        let prefixes = RateLimitHeaders.itemPrefixes(of: key.policies)
        self.rateLimitItemPrefixes = prefixes
        return prefixes
    }

    /// The `RateLimit-Policy` value for `key`'s own policies as they evaluated to `evaluations`.
    mutating func policyField(of key: KeyRecord, evaluations: [LimitEvaluation]) -> String {
        self.belong(to: key)
        if let field = self.policyField, self.policyNumbers.count == 2 * evaluations.count,
            evaluations.indices.allSatisfy({
                self.policyNumbers[2 * $0] == evaluations[$0].limit
                    && self.policyNumbers[2 * $0 + 1] == evaluations[$0].windowMicros
            })
        {
            return field
        }
        let field = RateLimitHeaders.policyField(policies: key.policies, evaluations: evaluations)
        self.policyField = field
        self.policyNumbers = evaluations.flatMap { [$0.limit, $0.windowMicros] }
        return field
    }
}
