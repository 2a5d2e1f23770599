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

    public func addUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws {
        try KeyStore.requireUsage(rows)
        guard !rows.isEmpty else { return }
        try self.connection.transaction {
            for row in rows {
                try self.connection.query(
                    """
                    INSERT INTO usage_daily (key_id, day, admitted, rejected) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (key_id, day) DO UPDATE SET
                        admitted = usage_daily.admitted + excluded.admitted,
                        rejected = usage_daily.rejected + excluded.rejected
                    """,
                    [.text(row.keyID), .text(row.day), .integer(row.admitted), .integer(row.rejected)])
            }
        }
    }

    public func usage(keyID: String, sinceDay: String?) throws -> [UsageDay] {
        if let sinceDay { try KeyStore.requireDay(sinceDay) }
        return try self.connection.query(
            """
            SELECT day, admitted, rejected FROM usage_daily WHERE key_id = $1 AND ($2::text IS NULL OR day >= $2) \
            ORDER BY day
            """, [.text(keyID), sinceDay.map { .text($0) } ?? .null]
        ).rows.map { UsageDay(day: $0.text(at: 0), admitted: $0.int64(at: 1), rejected: $0.int64(at: 2)) }
    }
}
