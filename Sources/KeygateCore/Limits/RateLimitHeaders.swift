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
        let names = policies.names
        let evaluations = evaluation.evaluations
        if !evaluations.isEmpty, names.count == evaluations.count {
            // Built by appending, not interpolating: this runs on every answer for a key with limits.
            var policy = ""
            var rateLimit = ""
            policy.reserveCapacity(48 * evaluations.count)
            rateLimit.reserveCapacity(40 * evaluations.count)
            for (index, item) in evaluations.enumerated() {
                let quoted = Self.structuredString(names[index])
                if index > 0 {
                    policy.append(", ")
                    rateLimit.append(", ")
                }
                policy.append(quoted)
                policy.append(";q=")
                policy.append(String(Self.integer(item.limit)))
                if item.windowMicros > 0 {
                    policy.append(";w=")
                    policy.append(String(Self.integer(max(item.windowMicros.secondsRoundingUp, 1))))
                }
                rateLimit.append(quoted)
                rateLimit.append(";r=")
                rateLimit.append(String(Self.integer(item.remaining)))
                if item.resetMicros != .max {
                    rateLimit.append(";t=")
                    rateLimit.append(String(Self.integer(item.resetMicros.secondsRoundingUp)))
                }
            }
            self.policy = policy
            self.rateLimit = rateLimit

            let constrained = Self.mostConstrained(evaluations)
            self.legacyLimit = String(Self.integer(constrained.limit))
            self.legacyRemaining = String(Self.integer(constrained.remaining))
            if constrained.resetMicros != .max {
                self.legacyReset = String(Self.integer(constrained.resetMicros.secondsRoundingUp))
            }
        }
        if !evaluation.admitted {
            if evaluation.retryAfterMicros != .max {
                self.retryAfter = String(Self.integer(max(evaluation.retryAfterMicros.secondsRoundingUp, 1)))
            }
            self.problemJSON = Self.problemJSON(violatedPolicies: evaluation.violated)
        }
    }

    /// The header fields in order: `RateLimit-Policy`, `RateLimit`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset`, `Retry-After`; absent ones are left out.
    public var fields: [(name: String, value: String)] {
        let all: [(String, String?)] = [
            ("RateLimit-Policy", self.policy), ("RateLimit", self.rateLimit), ("X-RateLimit-Limit", self.legacyLimit),
            ("X-RateLimit-Remaining", self.legacyRemaining), ("X-RateLimit-Reset", self.legacyReset),
            ("Retry-After", self.retryAfter),
        ]
        return all.compactMap { name, value in value.map { (name: name, value: $0) } }
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
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != 0x22 && $0 != 0x5C }) { return "\"" + text + "\"" }
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

    /// The RFC 9457 problem body for a rejection by `violatedPolicies`, with draft-11's `violated-policies` member.
    public static func problemJSON(violatedPolicies: [String]) -> String {
        let policies = violatedPolicies.map(JSONText.quoted).joined(separator: ",")
        return "{\"type\":\(JSONText.quoted(Self.problemType)),\"title\":\(JSONText.quoted(Self.problemTitle)),"
            + "\"status\":429,\"violated-policies\":[\(policies)]}"
    }

    /// `value` clamped to the sf-integer range `0...999_999_999_999_999`.
    static func integer(_ value: Int64) -> Int64 { min(max(value, 0), Self.maximumInteger) }
}
