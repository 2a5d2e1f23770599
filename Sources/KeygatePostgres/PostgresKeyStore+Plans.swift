import KeygateCore
import KeygateStore

extension PostgresKeyStore {
    public func createPlan(
        name: String, rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?, now: Int64,
        actor: String
    ) throws -> Plan {
        try self.creatingPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now, actor: actor)
    }

    public func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]?, quotas: [QuotaPolicy]?, credits: CreditPolicy??, now: Int64,
        actor: String
    ) throws -> Plan? {
        try self.updatingPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now, actor: actor)
    }

    public func plans() throws -> [Plan] {
        try self.connection.query("SELECT \(KeyStore.planColumns) FROM plans ORDER BY name").rows.map {
            KeyStore.plan(from: $0)
        }
    }

    /// The plan called `name`, or `nil`.
    public func plan(named name: String) throws -> Plan? {
        let result = try self.connection.query(
            "SELECT \(KeyStore.planColumns) FROM plans WHERE name = $1", [.text(name)])
        return result.count == 0 ? nil : KeyStore.plan(from: result.row(0))
    }

    public func deletePlan(name: String, now: Int64, actor: String) throws -> Bool {
        try self.deletingPlan(name: name, now: now, actor: actor)
    }
}
