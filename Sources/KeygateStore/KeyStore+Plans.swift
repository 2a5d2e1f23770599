import KeygateCore

extension KeyStore {
    /// The `plans` columns in the order ``plan(from:)`` reads them.
    static let planColumns = "name, rate_limits, quotas, credits, credit_refill, created_at"

    /// Creates plan `name` and returns it as stored (canonical limits, sorted by period and window).
    ///
    /// Throws ``KeyValidationError`` for a malformed name, a name already taken, two rate limits with the same
    /// period or two quotas with the same window.
    public func createPlan(
        name: String, rateLimits: [RateLimitPolicy] = [], quotas: [QuotaPolicy] = [], credits: CreditPolicy? = nil,
        now: Int64, actor: String
    ) throws -> Plan {
        let name = try LimitFieldRules.planName(name)
        let rateLimits = try LimitFieldRules.rateLimits(rateLimits)
        let quotas = try LimitFieldRules.quotas(quotas)
        let credits = try credits.map(LimitFieldRules.credits)
        return try self.connection.writeTransaction { () throws -> Plan in
            guard try self.plan(named: name) == nil else {
                throw KeyValidationError(field: "plan", reason: "a plan named \(name) exists already")
            }
            try self.connection.execute(
                """
                INSERT INTO plans (name, rate_limits, quotas, credits, credit_refill, created_at) \
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(name), .text(PolicySpecText.joined(rateLimits)), .text(PolicySpecText.joined(quotas)),
                    SQLValue(credits?.initial), Self.refillValue(credits), .integer(now),
                ])
            let notes = LimitFieldRules.notes(rateLimits: rateLimits, quotas: quotas, credits: credits)
            try self.appendAudit(
                now: now, actor: actor, action: "plan-create", keyID: nil,
                detail: (["plan=\(name)"] + notes).joined(separator: " "))
            return try self.plan(named: name)!
        }
    }

    /// Changes plan `name` and returns it as stored; `nil` for an unknown name. `nil` arguments keep a property;
    /// `credits: .some(nil)` removes the plan's credits. Keys on the plan see the change from the next lookup.
    public func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]? = nil, quotas: [QuotaPolicy]? = nil,
        credits: CreditPolicy?? = nil, now: Int64, actor: String
    ) throws -> Plan? {
        var assignments: [String] = []
        var values: [SQLValue] = []
        var changed: [String] = ["plan=\(name)"]
        if let rateLimits = try rateLimits.map(LimitFieldRules.rateLimits) {
            assignments.append("rate_limits = ?")
            values.append(.text(PolicySpecText.joined(rateLimits)))
            changed.append(LimitFieldRules.note(rateLimits))
        }
        if let quotas = try quotas.map(LimitFieldRules.quotas) {
            assignments.append("quotas = ?")
            values.append(.text(PolicySpecText.joined(quotas)))
            changed.append(LimitFieldRules.note(quotas))
        }
        if let credits = try credits.map({ credits throws in try credits.map(LimitFieldRules.credits) }) {
            assignments.append("credits = ?, credit_refill = ?")
            values += [SQLValue(credits?.initial), Self.refillValue(credits)]
            changed.append(LimitFieldRules.note(credits))
        }
        return try self.connection.writeTransaction { () throws -> Plan? in
            guard let plan = try self.plan(named: name) else { return nil }
            guard !assignments.isEmpty else { return plan }
            try self.connection.execute(
                "UPDATE plans SET \(assignments.joined(separator: ", ")) WHERE name = ?", values + [.text(name)])
            try self.appendAudit(
                now: now, actor: actor, action: "plan-update", keyID: nil, detail: changed.joined(separator: " "))
            return try self.plan(named: name)
        }
    }

    /// Every plan, by name.
    public func plans() throws -> [Plan] {
        let statement = try self.connection.prepare("SELECT \(Self.planColumns) FROM plans ORDER BY name")
        var plans: [Plan] = []
        while try statement.step() {
            plans.append(Self.plan(from: statement))
        }
        return plans
    }

    /// The plan called `name`, or `nil`.
    public func plan(named name: String) throws -> Plan? {
        let statement = try self.connection.prepare("SELECT \(Self.planColumns) FROM plans WHERE name = ?")
        try statement.bind([.text(name)])
        guard try statement.step() else { return nil }
        return Self.plan(from: statement)
    }

    /// Deletes plan `name`; `false` for an unknown name. A plan that keys still use is refused
    /// (``KeyValidationError``): move them to another plan, or off plans, first.
    public func deletePlan(name: String, now: Int64, actor: String) throws -> Bool {
        try self.connection.writeTransaction { () throws -> Bool in
            guard try self.plan(named: name) != nil else { return false }
            let users = try self.connection.int64("SELECT count(*) FROM keys WHERE plan = ?", [.text(name)]) ?? 0
            guard users == 0 else {
                throw KeyValidationError(
                    field: "plan", reason: "plan \(name) is used by \(users) \(users == 1 ? "key" : "keys")")
            }
            try self.connection.execute("DELETE FROM plans WHERE name = ?", [.text(name)])
            try self.appendAudit(now: now, actor: actor, action: "plan-delete", keyID: nil, detail: "plan=\(name)")
            return true
        }
    }

    /// Throws ``KeyValidationError`` unless plan `name` exists; call inside the transaction that uses it.
    func requirePlan(named name: String) throws {
        guard try self.connection.int64("SELECT count(*) FROM plans WHERE name = ?", [.text(name)]) == 1 else {
            throw KeyValidationError(field: "plan", reason: "no plan named \(name)")
        }
    }

    /// The `credit_refill` value for `credits`: its refill spec, or NULL.
    static func refillValue(_ credits: CreditPolicy?) -> SQLValue {
        credits.flatMap { PolicySpecText.spec($0.refill) }.map { .text($0) } ?? .null
    }

    /// The plan in the current row of `statement`, whose columns are ``planColumns``.
    static func plan(from statement: borrowing Statement) -> Plan {
        var plan = Plan(name: statement.text(at: 0), createdAtSeconds: statement.int64(at: 5))
        do {
            plan.policies = try KeyRow.policies(from: statement, at: 1)
        } catch {
            plan.policies = .invalidLimitSpec
        }
        return plan
    }
}
