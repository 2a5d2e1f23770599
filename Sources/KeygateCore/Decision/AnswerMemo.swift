/// The answer encoders' per-key cache: the header pieces every answer for one key repeats, rendered once. The gate
/// keeps one per cached key and hands it to the encoders with the ``AuthAnswer``.
///
/// It checks itself, so it never changes an answer: it remembers the key it was filled for (and forgets everything
/// for another), the identity names its lines were written with, and each policy's `q` and `w` that the
/// `RateLimit-Policy` value was rendered for, rendering again when one differs (a monthly quota's window is the
/// current month's length). One worker thread owns it.
public final class AnswerMemo: @unchecked Sendable {
    /// The key the values below belong to.
    private var key: KeyRecord?
    /// The identity header lines, as written on the wire, and the names they were written with.
    private var identityLines: [UInt8] = []
    private var identityNames: FrontEndProfile.IdentityNames?
    /// The start of each `RateLimit` item of the key's policies (``RateLimitHeaders/itemPrefixes(of:)``).
    private var itemPrefixes: [[UInt8]]?
    /// `q` and `w` of each policy, in state-word order, that ``policyField`` was rendered for.
    private var policyNumbers: [Int64] = []
    /// The `RateLimit-Policy` value of the key's own policies.
    private var policyField: String?

    public init() {}

    /// Forgets everything unless it was filled for `key` (cheap for the very same stored key).
    private func belong(to key: KeyRecord) {
        guard self.key != key else { return }
        self.key = key
        self.identityLines = []
        self.identityNames = nil
        self.itemPrefixes = nil
        self.policyNumbers = []
        self.policyField = nil
    }

    /// The four identity headers of `key` under `names`, as `Name: value\r\n` lines: header-safe id, name and
    /// owner, and the scopes joined by spaces.
    func identityLines(of key: KeyRecord, names: FrontEndProfile.IdentityNames) -> [UInt8] {
        self.belong(to: key)
        if self.identityNames == names { return self.identityLines }
        let values = [
            AuthAnswer.headerSafe(key.id), AuthAnswer.headerSafe(key.name), AuthAnswer.headerSafe(key.owner),
            key.scopes.count == 1 ? key.scopes[0] : key.scopes.joined(separator: " "),
        ]
        var lines: [UInt8] = []
        for (name, value) in zip(names.names, values) {
            lines += name.utf8
            lines += ": ".utf8
            lines += value.utf8
            lines += "\r\n".utf8
        }
        self.identityLines = lines
        self.identityNames = names
        return lines
    }

    /// The rate-limit lines for `key`'s own policies as they evaluated to `evaluation`.
    func rateLimitLines(of key: KeyRecord, evaluation: PolicySetEvaluation) -> RateLimitHeaders.Lines {
        self.belong(to: key)
        let evaluations = evaluation.evaluations
        guard !evaluations.isEmpty, key.policies.stateCount == evaluations.count else {
            return RateLimitHeaders.Lines(evaluation: evaluation, policyField: nil, itemPrefixes: [])
        }
        let prefixes = self.itemPrefixes ?? RateLimitHeaders.itemPrefixes(of: key.policies)
        self.itemPrefixes = prefixes
        return RateLimitHeaders.Lines(
            evaluation: evaluation, policyField: self.policyField(of: key, evaluations: evaluations),
            itemPrefixes: prefixes)
    }

    /// The `RateLimit-Policy` value for `key`'s own policies as they evaluated to `evaluations`: the kept one while
    /// every policy's `q` and `w` are those it was rendered for.
    private func policyField(of key: KeyRecord, evaluations: [LimitEvaluation]) -> String {
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
