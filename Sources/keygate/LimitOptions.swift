import ArgumentParser
import KeygateCore
import KeygateStore

/// `--limit`, `--quota`, `--credits`, `--refill`: the limit vocabulary shared by keys and plans.
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("limit"), help: "A rate limit: N/s, N/min, N/hour or N/day, optionally ,burst=B (repeatable)."
    )
    var limits: [String] = []
    @Option(name: .customLong("quota"), help: "A calendar quota in UTC: N/day or N/month (repeatable).")
    var quotas: [String] = []
    @Option(help: "A credit balance that requests spend (cost 1 unless the location sets KEYGATE_COST).")
    var credits: String?
    @Option(help: "Refill credits to this amount: N/day, N/month or N/month@DAY.")
    var refill: String?

    func validate() throws {
        if self.refill != nil && self.credits == nil { throw ValidationError("--refill needs --credits") }
    }

    var rateLimitPolicies: [RateLimitPolicy]? {
        get throws {
            guard !self.limits.isEmpty else { return nil }
            return try self.limits.map { spec in
                do { return try RateLimitPolicy.parse(spec) } catch { throw ValidationError("--limit: \(error)") }
            }
        }
    }

    var quotaPolicies: [QuotaPolicy]? {
        get throws {
            guard !self.quotas.isEmpty else { return nil }
            return try self.quotas.map { spec in
                do { return try QuotaPolicy.parse(spec) } catch { throw ValidationError("--quota: \(error)") }
            }
        }
    }

    var creditPolicy: CreditPolicy? {
        get throws {
            guard let credits = self.credits else { return nil }
            do { return try CreditPolicy.parse(initial: credits, refill: self.refill) } catch {
                throw ValidationError("--credits/--refill: \(error)")
            }
        }
    }
}

extension PolicySet {
    var summary: String {
        var parts = self.rateLimits.map { PolicySpecText.spec($0) ?? $0.name }
        parts += self.quotas.map { "quota " + PolicySpecText.spec($0) }
        if let credits = self.credits {
            parts.append(
                "credits \(credits.initial)" + (PolicySpecText.spec(credits.refill).map { " refill \($0)" } ?? ""))
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
