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

    /// The fields for `evaluation`, which `policies` produced.
    public init(policies: PolicySet, evaluation: PolicySetEvaluation) {
        self.init(policies: policies, evaluation: evaluation, policyField: nil)
    }

    /// The fields for `evaluation`; `policyField`, when given, is ``policyField(policies:evaluations:)`` for it,
    /// rendered before (it changes only with the policies and their windows).
    init(policies: PolicySet, evaluation: PolicySetEvaluation, policyField: String?) {
        let evaluations = evaluation.evaluations
        if !evaluations.isEmpty, policies.stateCount == evaluations.count {
            self.policy = policyField ?? Self.policyField(policies: policies, evaluations: evaluations)
            self.rateLimit = Self.rateLimitField(policies: policies, evaluations: evaluations)
            let constrained = Self.mostConstrained(evaluations)
            self.legacyLimit = ByteWriter.decimal(Self.integer(constrained.limit))
            self.legacyRemaining = ByteWriter.decimal(Self.integer(constrained.remaining))
            if constrained.resetMicros != .max {
                self.legacyReset = ByteWriter.decimal(Self.integer(constrained.resetMicros.secondsRoundingUp))
            }
        }
        if !evaluation.admitted {
            if evaluation.retryAfterMicros != .max {
                self.retryAfter = ByteWriter.decimal(Self.integer(max(evaluation.retryAfterMicros.secondsRoundingUp, 1)))
            }
            self.problemJSON = Self.problemJSON(violatedPolicies: evaluation.violated)
        }
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

    /// The `RateLimit` value: per policy its name, `r` and (when it ends) `t`.
    static func rateLimitField(policies: PolicySet, evaluations: [LimitEvaluation]) -> String {
        Self.field(policies: policies, evaluations: evaluations, parameters: Self.rateLimitParameters)
    }

    /// One `RateLimit` item's parameters: `r` and (when it ends) `t`.
    private static func rateLimitParameters(_ item: LimitEvaluation, _ out: inout ByteWriter) {
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

    /// Writes ``fields`` of an admitted `evaluation` (one evaluation per policy, at least one) as header lines,
    /// `Name: value\r\n` each, the bytes the fields are written as, without building their strings. `policyField` is
    /// ``policyField(policies:evaluations:)`` and `itemPrefixes` ``itemPrefixes(of:)`` for the policies. At most
    /// ``admittedLinesCapacity(itemPrefixes:policyField:)`` bytes.
    static func writeAdmittedLines(
        evaluation: PolicySetEvaluation, itemPrefixes: [[UInt8]], policyField: String, to out: inout ByteWriter
    ) {
        let evaluations = evaluation.evaluations
        precondition(evaluation.admitted && !evaluations.isEmpty && itemPrefixes.count == evaluations.count)
        out.append(literal: "RateLimit-Policy: ")
        out.append(policyField)
        out.append(literal: "\r\nRateLimit: ")
        for index in evaluations.indices {
            out.append(itemPrefixes[index])
            Self.rateLimitParameters(evaluations[index], &out)
        }
        let constrained = Self.mostConstrained(evaluations)
        out.append(literal: "\r\nX-RateLimit-Limit: ")
        out.append(decimal: Self.integer(constrained.limit))
        out.append(literal: "\r\nX-RateLimit-Remaining: ")
        out.append(decimal: Self.integer(constrained.remaining))
        if constrained.resetMicros != .max {
            out.append(literal: "\r\nX-RateLimit-Reset: ")
            out.append(decimal: Self.integer(constrained.resetMicros.secondsRoundingUp))
        }
        out.append(literal: "\r\n")
    }

    /// The most ``writeAdmittedLines(evaluation:itemPrefixes:policyField:to:)`` writes.
    static func admittedLinesCapacity(itemPrefixes: [[UInt8]], policyField: String) -> Int {
        // The names, separators and line ends of five fields, three numbers of at most 20 digits, and per item at
        // most two parameters of at most 3 + 20 bytes.
        var capacity = 160 + policyField.utf8.count
        for prefix in itemPrefixes { capacity += prefix.count + 46 }
        return capacity
    }

    /// The header fields in order: `RateLimit-Policy`, `RateLimit`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset`, `Retry-After`; absent ones are left out.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        self.appendFields(to: &fields)
        return fields
    }

    /// Appends ``fields`` to `headers`.
    func appendFields(to headers: inout [(name: String, value: String)]) {
        headers.reserveCapacity(headers.count + 6)
        if let value = self.policy { headers.append(("RateLimit-Policy", value)) }
        if let value = self.rateLimit { headers.append(("RateLimit", value)) }
        if let value = self.legacyLimit { headers.append(("X-RateLimit-Limit", value)) }
        if let value = self.legacyRemaining { headers.append(("X-RateLimit-Remaining", value)) }
        if let value = self.legacyReset { headers.append(("X-RateLimit-Reset", value)) }
        if let value = self.retryAfter { headers.append(("Retry-After", value)) }
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
