import KeygateCore

/// The columns a plan update sets, validated and canonical, with the audit notes that describe them.
package struct PlanAssignments {
    /// Each changed column of `plans` and its new value.
    package private(set) var columns: [(name: String, value: SQLValue)] = []
    /// One note per changed property, for the audit detail (after `plan=NAME`).
    package private(set) var notes: [String] = []

    /// Validates the change (``KeyValidationError`` for refused limits); `nil` keeps a property and
    /// `credits: .some(nil)` removes the plan's credits.
    package init(rateLimits: [RateLimitPolicy]?, quotas: [QuotaPolicy]?, credits: CreditPolicy??) throws {
        if let rateLimits = try rateLimits.map(LimitFieldRules.rateLimits) {
            self.columns.append(("rate_limits", .text(PolicySpecText.joined(rateLimits))))
            self.notes.append(LimitFieldRules.note(rateLimits))
        }
        if let quotas = try quotas.map(LimitFieldRules.quotas) {
            self.columns.append(("quotas", .text(PolicySpecText.joined(quotas))))
            self.notes.append(LimitFieldRules.note(quotas))
        }
        if let credits = try credits.map({ credits throws in try credits.map(LimitFieldRules.credits) }) {
            self.columns += [("credits", SQLValue(credits?.initial)), ("credit_refill", KeyStore.refillValue(credits))]
            self.notes.append(LimitFieldRules.note(credits))
        }
    }

    /// The `plans` row of a new plan and its audit detail, validated and canonical (``KeyValidationError`` for a
    /// malformed name or refused limits).
    package static func newPlan(
        name: String, rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?, now: Int64
    ) throws -> (name: String, columns: [(name: String, value: SQLValue)], detail: String) {
        let name = try LimitFieldRules.planName(name)
        let rateLimits = try LimitFieldRules.rateLimits(rateLimits)
        let quotas = try LimitFieldRules.quotas(quotas)
        let credits = try credits.map(LimitFieldRules.credits)
        let notes = LimitFieldRules.notes(rateLimits: rateLimits, quotas: quotas, credits: credits)
        let columns: [(name: String, value: SQLValue)] = [
            ("name", .text(name)), ("rate_limits", .text(PolicySpecText.joined(rateLimits))),
            ("quotas", .text(PolicySpecText.joined(quotas))), ("credits", SQLValue(credits?.initial)),
            ("credit_refill", KeyStore.refillValue(credits)), ("created_at", .integer(now)),
        ]
        return (name, columns, (["plan=\(name)"] + notes).joined(separator: " "))
    }

    /// True when nothing changes.
    package var isEmpty: Bool { self.columns.isEmpty }

    /// Throws ``KeyValidationError`` if `users` keys still use plan `name`, which is then not to be deleted.
    package static func requireUnused(_ name: String, users: Int64) throws(KeyValidationError) {
        guard users == 0 else {
            throw KeyValidationError(
                field: "plan", reason: "plan \(name) is used by \(users) \(users == 1 ? "key" : "keys")")
        }
    }
}
