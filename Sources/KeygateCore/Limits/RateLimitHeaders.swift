/// The rate-limit header fields of one answer, and the RFC 9457 problem body of a rejection.
///
/// `RateLimit-Policy` and `RateLimit` follow draft-ietf-httpapi-ratelimit-headers-11: one Structured Field list
/// item per policy, named by an sf-string (`"100-per-min";q=100;w=60`). `q` is the policy's quota, `w` its window
/// in whole seconds (the current month's length for a monthly quota; omitted for credits without refill), `r` the
/// remaining quota and `t` the effective window, rounded up (omitted when it never ends). `X-RateLimit-Limit`,
/// `-Remaining` and `-Reset` (delta seconds, rounded up) describe the most constrained policy: the lowest
/// remaining, on a tie the longest reset. `Retry-After` (delta seconds, rounded up, at least 1) is present only
/// when the request is rejected and some wait admits it.
public struct RateLimitHeaders: Sendable, Equatable {
    /// The problem type of a rejection, from draft-11's registry entry.
    public static let problemType = "https://iana.org/assignments/http-problem-types#quota-exceeded"
    /// The problem title registered with ``problemType``.
    public static let problemTitle = "Request cannot be satisfied as assigned quota has been exceeded"
    /// The media type of ``problemJSON``.
    public static let problemContentType = "application/problem+json"
    /// The largest sf-integer (RFC 8941 §3.3.1); larger values are clamped to it.
    static let maximumInteger: Int64 = 999_999_999_999_999

    /// The `RateLimit-Policy` value; `nil` for a set without policies.
    public var policy: String?
    /// The `RateLimit` value; `nil` for a set without policies.
    public var rateLimit: String?
    /// The `X-RateLimit-Limit` value.
    public var legacyLimit: String?
    /// The `X-RateLimit-Remaining` value.
    public var legacyRemaining: String?
    /// The `X-RateLimit-Reset` value; `nil` also when the most constrained policy never resets.
    public var legacyReset: String?
    /// The `Retry-After` value.
    public var retryAfter: String?
    /// The `application/problem+json` body for a 429; `nil` when admitted. ASCII only, so it is also a valid
    /// header field value.
    public var problemJSON: String?

    /// The fields for `evaluation`, which `policies` produced: the lines ``Lines`` writes, read back (for the CLI
    /// and tests; the answer encoders write the lines themselves).
    public init(policies: PolicySet, evaluation: PolicySetEvaluation) {
        let lines = Lines(policies: policies, evaluation: evaluation)
        let text = ByteWriter.string(capacity: lines.capacity) { lines.write(to: &$0) }
        for line in text.split(separator: Character("\r\n"), omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = String(line[line.index(colon, offsetBy: 2)...])
            switch line[..<colon] {
            case "RateLimit-Policy": self.policy = value
            case "RateLimit": self.rateLimit = value
            case "X-RateLimit-Limit": self.legacyLimit = value
            case "X-RateLimit-Remaining": self.legacyRemaining = value
            case "X-RateLimit-Reset": self.legacyReset = value
            case "Retry-After": self.retryAfter = value
            default: break
            }
        }
        if !evaluation.admitted { self.problemJSON = Self.problemJSON(violatedPolicies: evaluation.violated) }
    }

    /// The `RateLimit-Policy` value: per policy its name, `q` and (when it has one) `w`; `evaluations` one per policy.
    static func policyField(policies: PolicySet, evaluations: [LimitEvaluation]) -> String {
        Self.field(policies: policies, evaluations: evaluations) { item, out in
            out.append(literal: ";q=")
            out.append(decimal: Self.integer(item.limit))
            if item.windowMicros > 0 {
                out.append(literal: ";w=")
                out.append(decimal: Self.integer(max(item.windowMicros.secondsRoundingUp, 1)))
            }
        }
    }

    /// One `RateLimit` item's parameters: `r` and (when it ends) `t`.
    static func rateLimitParameters(_ item: LimitEvaluation, _ out: inout ByteWriter) {
        out.append(literal: ";r=")
        out.append(decimal: Self.integer(item.remaining))
        if item.resetMicros != .max {
            out.append(literal: ";t=")
            out.append(decimal: Self.integer(item.resetMicros.secondsRoundingUp))
        }
    }

    /// A Structured Field list with one item per policy, `", "` between: the quoted name, then what `parameters`
    /// writes (at most two parameters of at most 15 digits each).
    ///
    /// Built in a stack buffer, not by appending to a `String`: this runs on every answer for a key with limits.
    private static func field(
        policies: PolicySet, evaluations: [LimitEvaluation], parameters: (LimitEvaluation, inout ByteWriter) -> Void
    ) -> String {
        var capacity = 0
        policies.forEachName { _, name in capacity += 2 * name.utf8.count + 48 }
        return ByteWriter.string(capacity: capacity) { out in
            policies.forEachName { index, name in
                if index > 0 {
                    out.append(UInt8(ascii: ","))
                    out.append(UInt8(ascii: " "))
                }
                if Self.isPlain(name) {
                    out.append(UInt8(ascii: "\""))
                    out.append(name)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append(Self.structuredString(name))
                }
                parameters(evaluations[index], &out)
            }
        }
    }

    /// What each `RateLimit` item starts with for `policies`: `", "` (but for the first) and the quoted name.
    static func itemPrefixes(of policies: PolicySet) -> [[UInt8]] {
        var prefixes: [[UInt8]] = []
        policies.forEachName { index, name in
            var prefix: [UInt8] = index > 0 ? [UInt8(ascii: ","), UInt8(ascii: " ")] : []
            prefix += Self.isPlain(name) ? Array(("\"" + name + "\"").utf8) : Array(Self.structuredString(name).utf8)
            prefixes.append(prefix)
        }
        return prefixes
    }

    /// The header fields in order: `RateLimit-Policy`, `RateLimit`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset`, `Retry-After`; absent ones are left out.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        if let value = self.policy { fields.append(("RateLimit-Policy", value)) }
        if let value = self.rateLimit { fields.append(("RateLimit", value)) }
        if let value = self.legacyLimit { fields.append(("X-RateLimit-Limit", value)) }
        if let value = self.legacyRemaining { fields.append(("X-RateLimit-Remaining", value)) }
        if let value = self.legacyReset { fields.append(("X-RateLimit-Reset", value)) }
        if let value = self.retryAfter { fields.append(("Retry-After", value)) }
        return fields
    }

    /// The rate-limit header lines of one answer, the one place they are rendered: ``fields``, written as
    /// `Name: value\r\n` lines straight into an encoder's buffer.
    ///
    /// What depends on the policies only, the `RateLimit-Policy` value and each `RateLimit` item's start, is
    /// rendered before (``AnswerMemo`` keeps them per key).
    struct Lines {
        let evaluation: PolicySetEvaluation
        /// ``RateLimitHeaders/policyField(policies:evaluations:)``; `nil` when the evaluation has no item per policy
        /// (then only `Retry-After` is written).
        let policyField: String?
        /// ``RateLimitHeaders/itemPrefixes(of:)``, one per evaluation (empty with no `policyField`).
        let itemPrefixes: [[UInt8]]

        init(evaluation: PolicySetEvaluation, policyField: String?, itemPrefixes: [[UInt8]]) {
            precondition(policyField == nil || itemPrefixes.count == evaluation.evaluations.count)
            self.evaluation = evaluation
            self.policyField = policyField
            self.itemPrefixes = itemPrefixes
        }

        /// The lines of `evaluation`, which `policies` produced, rendered afresh.
        init(policies: PolicySet, evaluation: PolicySetEvaluation) {
            let evaluations = evaluation.evaluations
            let matches = !evaluations.isEmpty && policies.stateCount == evaluations.count
            self.init(
                evaluation: evaluation,
                policyField: matches ? RateLimitHeaders.policyField(policies: policies, evaluations: evaluations) : nil,
                itemPrefixes: matches ? RateLimitHeaders.itemPrefixes(of: policies) : [])
        }

        /// The most ``write(to:)`` writes: the names, separators and line ends of six fields, four numbers of at most
        /// 20 digits, and per item at most two parameters of at most 3 + 20 bytes.
        var capacity: Int {
            var capacity = 200 + (self.policyField?.utf8.count ?? 0)
            for prefix in self.itemPrefixes { capacity += prefix.count + 46 }
            return capacity
        }

        /// Writes the lines: the policy, per-item and most-constrained fields, then `Retry-After` when the request
        /// is rejected and some wait admits it.
        func write(to out: inout ByteWriter, fields: RateLimitFields = .all) {
            let evaluations = self.evaluation.evaluations
            if fields != .none, let policyField = self.policyField {
                out.append(literal: "RateLimit-Policy: ")
                out.append(policyField)
                out.append(literal: "\r\nRateLimit: ")
                for index in evaluations.indices {
                    out.append(self.itemPrefixes[index])
                    RateLimitHeaders.rateLimitParameters(evaluations[index], &out)
                }
                if fields == .all {
                    self.writeMostConstrained(RateLimitHeaders.mostConstrained(evaluations), to: &out)
                }
                out.append(literal: "\r\n")
            }
            if !self.evaluation.admitted && self.evaluation.retryAfterMicros != .max {
                out.append(literal: "Retry-After: ")
                out.append(
                    decimal: RateLimitHeaders.integer(max(self.evaluation.retryAfterMicros.secondsRoundingUp, 1)))
                out.append(literal: "\r\n")
            }
        }

        /// The `X-RateLimit-Limit/-Remaining/-Reset` values of the most constrained item, each after a CR LF.
        private func writeMostConstrained(_ constrained: LimitEvaluation, to out: inout ByteWriter) {
            out.append(literal: "\r\nX-RateLimit-Limit: ")
            out.append(decimal: RateLimitHeaders.integer(constrained.limit))
            out.append(literal: "\r\nX-RateLimit-Remaining: ")
            out.append(decimal: RateLimitHeaders.integer(constrained.remaining))
            if constrained.resetMicros != .max {
                out.append(literal: "\r\nX-RateLimit-Reset: ")
                out.append(decimal: RateLimitHeaders.integer(constrained.resetMicros.secondsRoundingUp))
            }
        }
    }

    /// The evaluation with the lowest remaining; on a tie the longest reset, then the first.
    static func mostConstrained(_ evaluations: [LimitEvaluation]) -> LimitEvaluation {
        var best = evaluations[0]
        for item in evaluations.dropFirst()
        where item.remaining < best.remaining
            || (item.remaining == best.remaining && item.resetMicros > best.resetMicros)
        {
            best = item
        }
        return best
    }

    /// `text` as an RFC 8941 sf-string: quoted, `"` and `\` escaped, anything but printable ASCII replaced by `?`.
    public static func structuredString(_ text: String) -> String {
        // The common case, a plain printable name, needs no escaping.
        if Self.isPlain(text) { return "\"" + text + "\"" }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\": result += "\\" + String(scalar)
            case " "..."~": result.unicodeScalars.append(scalar)
            default: result += "?"
            }
        }
        return result + "\""
    }

    /// Whether `text` is printable ASCII without `"` and `\\`: quoting it as an sf-string only adds the quotes.
    static func isPlain(_ text: String) -> Bool {
        func plain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7E && byte != 0x22 && byte != 0x5C }
        return text.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(plain) } ?? text.utf8.allSatisfy(plain)
    }

    /// The RFC 9457 problem body for a rejection by `violatedPolicies`, with draft-11's `violated-policies` member.
    public static func problemJSON(violatedPolicies: [String]) -> String {
        let policies = violatedPolicies.map(JSONText.quoted).joined(separator: ",")
        return "{\"type\":\(JSONText.quoted(Self.problemType)),\"title\":\(JSONText.quoted(Self.problemTitle)),"
            + "\"status\":429,\"violated-policies\":[\(policies)]}"
    }

    /// `value` clamped to the sf-integer range `0...999_999_999_999_999`.
    static func integer(_ value: Int64) -> Int64 { min(max(value, 0), Self.maximumInteger) }
}
