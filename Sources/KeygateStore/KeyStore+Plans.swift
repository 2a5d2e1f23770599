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
        try self.creatingPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now, actor: actor)
    }

    /// Changes plan `name` and returns it as stored; `nil` for an unknown name. `nil` arguments keep a property;
    /// `credits: .some(nil)` removes the plan's credits. Keys on the plan see the change from the next lookup.
    public func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]? = nil, quotas: [QuotaPolicy]? = nil,
        credits: CreditPolicy?? = nil, now: Int64, actor: String
    ) throws -> Plan? {
        try self.updatingPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now, actor: actor)
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
        try self.deletingPlan(name: name, now: now, actor: actor)
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
