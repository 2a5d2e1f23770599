import KeygateCore
import KeygateStore

extension PostgresKeyStore {
    public func createPlan(
        name: String, rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?, now: Int64,
        actor: String
    ) throws -> Plan {
        let new = try PlanAssignments.newPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now)
        return try self.writeTransaction { () throws -> Plan in
            guard try self.plan(named: new.name) == nil else {
                throw KeyValidationError(field: "plan", reason: "a plan named \(new.name) exists already")
            }
            try self.connection.query(Self.insertion(into: "plans", new.columns.map(\.name)), new.columns.map(\.value))
            try self.appendAudit(now: now, actor: actor, action: "plan-create", keyID: nil, detail: new.detail)
            return try self.plan(named: new.name)!
        }
    }

    public func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]?, quotas: [QuotaPolicy]?, credits: CreditPolicy??, now: Int64,
        actor: String
    ) throws -> Plan? {
        let change = try PlanAssignments(rateLimits: rateLimits, quotas: quotas, credits: credits)
        return try self.writeTransaction { () throws -> Plan? in
            guard let plan = try self.plan(named: name) else { return nil }
            guard !change.isEmpty else { return plan }
            let settings = change.columns.enumerated().map { "\($0.element.name) = $\($0.offset + 1)" }
            try self.connection.query(
                "UPDATE plans SET \(settings.joined(separator: ", ")) WHERE name = $\(settings.count + 1)",
                change.columns.map(\.value) + [.text(name)])
            try self.appendAudit(
                now: now, actor: actor, action: "plan-update", keyID: nil,
                detail: (["plan=\(name)"] + change.notes).joined(separator: " "))
            return try self.plan(named: name)
        }
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
        try self.writeTransaction { () throws -> Bool in
            guard try self.plan(named: name) != nil else { return false }
            let users = try self.connection.query("SELECT count(*) FROM keys WHERE plan = $1", [.text(name)])
                .row(0).int64(at: 0)
            try PlanAssignments.requireUnused(name, users: users)
            try self.connection.query("DELETE FROM plans WHERE name = $1", [.text(name)])
            try self.appendAudit(now: now, actor: actor, action: "plan-delete", keyID: nil, detail: "plan=\(name)")
            return true
        }
    }

    /// Throws ``KeygateStore/KeyValidationError`` unless plan `name` exists; call inside the transaction that uses
    /// it.
    func requirePlan(named name: String) throws {
        guard try self.plan(named: name) != nil else {
            throw KeyValidationError(field: "plan", reason: "no plan named \(name)")
        }
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
