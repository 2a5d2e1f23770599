import KeygateCore

extension KeyStore {
    /// The `plans` columns in the order ``plan(from:)`` reads them.
    package static let planColumns = "name, rate_limits, quotas, credits, credit_refill, created_at"

    /// Creates plan `name` and returns it as stored (canonical limits, sorted by period and window).
    ///
    /// Throws ``KeyValidationError`` for a malformed name, a name already taken, two rate limits with the same
    /// period or two quotas with the same window.
    public func createPlan(
        name: String, rateLimits: [RateLimitPolicy] = [], quotas: [QuotaPolicy] = [], credits: CreditPolicy? = nil,
        now: Int64, actor: String
    ) throws -> Plan {
        let new = try PlanAssignments.newPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now)
        return try self.connection.writeTransaction { () throws -> Plan in
            guard try self.plan(named: new.name) == nil else {
                throw KeyValidationError(field: "plan", reason: "a plan named \(new.name) exists already")
            }
            try self.connection.execute(
                """
                INSERT INTO plans (\(new.columns.map(\.name).joined(separator: ", "))) \
                VALUES (\(Array(repeating: "?", count: new.columns.count).joined(separator: ", ")))
                """,
                new.columns.map(\.value))
            try self.appendAudit(now: now, actor: actor, action: "plan-create", keyID: nil, detail: new.detail)
            return try self.plan(named: new.name)!
        }
    }

    /// Changes plan `name` and returns it as stored; `nil` for an unknown name. `nil` arguments keep a property;
    /// `credits: .some(nil)` removes the plan's credits. Keys on the plan see the change from the next lookup.
    public func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]? = nil, quotas: [QuotaPolicy]? = nil,
        credits: CreditPolicy?? = nil, now: Int64, actor: String
    ) throws -> Plan? {
        let change = try PlanAssignments(rateLimits: rateLimits, quotas: quotas, credits: credits)
        return try self.connection.writeTransaction { () throws -> Plan? in
            guard let plan = try self.plan(named: name) else { return nil }
            guard !change.isEmpty else { return plan }
            try self.connection.execute(
                "UPDATE plans SET \(change.columns.map { "\($0.name) = ?" }.joined(separator: ", ")) WHERE name = ?",
                change.columns.map(\.value) + [.text(name)])
            try self.appendAudit(
                now: now, actor: actor, action: "plan-update", keyID: nil,
                detail: (["plan=\(name)"] + change.notes).joined(separator: " "))
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
            try PlanAssignments.requireUnused(name, users: users)
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
    package static func refillValue(_ credits: CreditPolicy?) -> SQLValue {
        credits.flatMap { PolicySpecText.spec($0.refill) }.map { .text($0) } ?? .null
    }

    /// The plan in the current row of `statement`, whose columns are ``planColumns``.
    package static func plan<Row: RowReading & ~Copyable>(from statement: borrowing Row) -> Plan {
        var plan = Plan(name: statement.text(at: 0), createdAtSeconds: statement.int64(at: 5))
        do {
            plan.policies = try KeyRow.policies(from: statement, at: 1)
        } catch {
            plan.policies = .invalidLimitSpec
        }
        return plan
    }
}
