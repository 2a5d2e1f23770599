import KeygateCore
import KeygateCrypto

/// The changes both key stores make (keys, plans, audit), written once over a few primitives each store provides.
///
/// The SQL uses numbered placeholders only (`?1`, `?2`…), which SQLite takes as they are and the PostgreSQL store
/// turns into `$1`, `$2`…, and only what both dialects mean alike. Each operation validates its input first
/// (``KeyValidationError``), then runs in one write transaction that also appends its ``AuditEntry``.
package protocol KeyWriting: AnyObject {
    /// Runs one statement with numbered placeholders bound to `values`.
    func write(_ sql: String, _ values: [SQLValue]) throws
    /// The integer in the first column of the first row, or `nil` for no row or NULL.
    func integer(_ sql: String, _ values: [SQLValue]) throws -> Int64?
    /// Every row of `sql`, its first `columns` columns as text (`nil` for NULL; integers in decimal).
    func textRows(_ sql: String, _ values: [SQLValue], columns: Int32) throws -> [[String?]]
    /// Runs `body` in one transaction that excludes every other writer: committed if it returns, rolled back if it
    /// throws.
    func inWriteTransaction<Result>(_ body: () throws -> Result) throws -> Result
    /// The key with identifier `id`, or `nil`.
    func find(id: String) throws -> KeyRecord?
    /// The plan called `name`, or `nil`.
    func plan(named name: String) throws -> Plan?
    /// A query whose one integer is the smallest slot no key uses (each store's schema finds it its own way).
    var freeSlotQuery: String { get }
}

extension KeyWriting {
    /// `INSERT INTO table (names…) VALUES (?1, ?2…)`.
    static func insertion(into table: String, _ names: [String]) -> String {
        let placeholders = (1...names.count).map { "?\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))"
    }

    /// `UPDATE table SET a = ?1, b = ?2… WHERE key = ?n`, its values last.
    static func assignment(of table: String, _ names: [String], where key: String) -> String {
        let settings = names.enumerated().map { "\($0.element) = ?\($0.offset + 1)" }
        return "UPDATE \(table) SET \(settings.joined(separator: ", ")) WHERE \(key) = ?\(names.count + 1)"
    }

    /// Creates a key in the smallest free slot and returns it with its secret (see ``KeyStoring``).
    package func creatingKey(_ new: NewKey, now: Int64, actor: String) throws -> (record: KeyRecord, secret: String) {
        let hasher = try SHA256Hasher()
        return try self.inWriteTransaction { () throws -> (record: KeyRecord, secret: String) in
            let slot = try self.integer(self.freeSlotQuery, []) ?? 0
            let (id, secret) = try self.insertingKey(new, slot: slot, hasher: hasher, now: now, actor: actor)
            return (try self.find(id: id)!, secret)
        }
    }

    /// Validates `new` and inserts it at the free `slot` with a fresh secret; call inside a write transaction.
    package func insertingKey(
        _ new: NewKey, slot: Int64, hasher: SHA256Hasher, now: Int64, actor: String
    ) throws -> (id: String, secret: String) {
        let row = try KeyInsertion(new, now: now)
        if let plan = row.plan { try self.requirePlan(named: plan) }
        let columns = [("slot", SQLValue.integer(slot))] + row.columns
        try self.write(Self.insertion(into: "keys", columns.map(\.0)), columns.map(\.1))
        try self.write(
            "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES (?1, ?2, ?3, NULL)",
            [.blob(hasher.digest(row.secret).bytes), .text(row.id), .integer(now)])
        try self.appendingAudit(
            now: now, actor: actor, action: "create", keyID: row.id, detail: row.auditDetail(slot: slot))
        return (row.id, row.secret)
    }

    /// Applies `change` to key `id` (see ``KeyStore/update(id:_:now:actor:)``).
    /// `precondition` sees the key as it is inside the transaction, before the change, and may refuse it by throwing
    /// (the admin API's `If-Match`).
    package func updatingKey(
        id: String, _ change: KeyUpdate, now: Int64, actor: String,
        precondition: (KeyRecord) throws -> Void = { _ in }
    ) throws -> KeyRecord? {
        let assignments = try change.assignments()
        return try self.inWriteTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            try precondition(record)
            guard !assignments.isEmpty else { return record }
            if let plan = assignments.plan ?? nil { try self.requirePlan(named: plan) }
            try assignments.requireAllowed(on: record)
            try self.write(
                Self.assignment(of: "keys", assignments.columns.map(\.name), where: "id"),
                assignments.columns.map(\.value) + [.text(id)])
            try self.appendingAudit(
                now: now, actor: actor, action: "update", keyID: id, detail: assignments.notes.joined(separator: " "))
            return try self.find(id: id)
        }
    }

    /// Revokes key `id` for good (see ``KeyStore/revoke(id:now:actor:)``).
    package func revokingKey(id: String, now: Int64, actor: String) throws -> KeyRecord? {
        try self.inWriteTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else { return record }
            try self.write(
                "UPDATE keys SET status = 'revoked', revoked_at = ?1 WHERE id = ?2", [.integer(now), .text(id)])
            try self.appendingAudit(now: now, actor: actor, action: "revoke", keyID: id, detail: "was=\(record.status)")
            return try self.find(id: id)
        }
    }

    /// Gives key `id` a new current secret (see ``KeyStore/rotate(id:graceSeconds:now:actor:)``).
    package func rotatingKey(
        id: String, graceSeconds: Int64, now: Int64, actor: String
    ) throws -> (record: KeyRecord, secret: String)? {
        let grace = try KeyFieldRules.grace(graceSeconds)
        let (retiresAt, overflow) = now.addingReportingOverflow(grace)
        let previousRetiresAt = overflow ? Int64.max : retiresAt
        let hasher = try SHA256Hasher()
        return try self.inWriteTransaction { () throws -> (record: KeyRecord, secret: String)? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else {
                throw KeyValidationError(field: "status", reason: "\(id) is revoked; create a new key instead")
            }
            let prefix = APIKeyFormat.prefix(ofDisplayPrefix: record.displayPrefix) ?? APIKeyFormat.defaultPrefix
            let secret = try KeyStore.randomText { APIKeyFormat.make(prefix: prefix, randomBytes: $0) }
            let displayPrefix = APIKeyFormat.displayPrefix(of: secret)
            try self.write(
                "DELETE FROM key_secrets WHERE key_id = ?1 AND retires_at <= ?2", [.text(id), .integer(now)])
            try self.write(
                """
                UPDATE key_secrets SET retires_at = \
                CASE WHEN retires_at IS NOT NULL AND retires_at < ?1 THEN retires_at ELSE ?1 END WHERE key_id = ?2
                """,
                [.integer(previousRetiresAt), .text(id)])
            try self.write(
                "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES (?1, ?2, ?3, NULL)",
                [.blob(hasher.digest(secret).bytes), .text(id), .integer(now)])
            try self.write("UPDATE keys SET display_prefix = ?1 WHERE id = ?2", [.text(displayPrefix), .text(id)])
            try self.appendingAudit(
                now: now, actor: actor, action: "rotate", keyID: id,
                detail: "prefix=\(displayPrefix) previous=\(record.displayPrefix) retires_at=\(previousRetiresAt)")
            return (try self.find(id: id)!, secret)
        }
    }

    /// Deletes key `id` and its secrets (see ``KeyStore/delete(id:now:actor:)``).
    package func deletingKey(id: String, now: Int64, actor: String) throws -> Bool {
        try self.inWriteTransaction { () throws -> Bool in
            guard let record = try self.find(id: id) else { return false }
            try self.write("DELETE FROM keys WHERE id = ?1", [.text(id)])
            try self.appendingAudit(
                now: now, actor: actor, action: "delete", keyID: id,
                detail: "name=\(KeyStore.quoted(record.name)) slot=\(record.slot) prefix=\(record.displayPrefix)")
            return true
        }
    }

    /// Creates plan `name` (see ``KeyStore/createPlan(name:rateLimits:quotas:credits:now:actor:)``).
    package func creatingPlan(
        name: String, rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?, now: Int64,
        actor: String
    ) throws -> Plan {
        let new = try PlanAssignments.newPlan(
            name: name, rateLimits: rateLimits, quotas: quotas, credits: credits, now: now)
        return try self.inWriteTransaction { () throws -> Plan in
            guard try self.plan(named: new.name) == nil else {
                throw KeyValidationError(field: "plan", reason: "a plan named \(new.name) exists already")
            }
            try self.write(Self.insertion(into: "plans", new.columns.map(\.name)), new.columns.map(\.value))
            try self.appendingAudit(now: now, actor: actor, action: "plan-create", keyID: nil, detail: new.detail)
            return try self.plan(named: new.name)!
        }
    }

    /// Changes plan `name` (see ``KeyStore/updatePlan(name:rateLimits:quotas:credits:now:actor:)``).
    package func updatingPlan(
        name: String, rateLimits: [RateLimitPolicy]?, quotas: [QuotaPolicy]?, credits: CreditPolicy??, now: Int64,
        actor: String
    ) throws -> Plan? {
        let change = try PlanAssignments(rateLimits: rateLimits, quotas: quotas, credits: credits)
        return try self.inWriteTransaction { () throws -> Plan? in
            guard let plan = try self.plan(named: name) else { return nil }
            guard !change.isEmpty else { return plan }
            try self.write(
                Self.assignment(of: "plans", change.columns.map(\.name), where: "name"),
                change.columns.map(\.value) + [.text(name)])
            try self.appendingAudit(
                now: now, actor: actor, action: "plan-update", keyID: nil,
                detail: (["plan=\(name)"] + change.notes).joined(separator: " "))
            return try self.plan(named: name)
        }
    }

    /// Deletes plan `name`, which no key may use (see ``KeyStore/deletePlan(name:now:actor:)``).
    package func deletingPlan(name: String, now: Int64, actor: String) throws -> Bool {
        try self.inWriteTransaction { () throws -> Bool in
            guard try self.plan(named: name) != nil else { return false }
            let users = try self.integer("SELECT count(*) FROM keys WHERE plan = ?1", [.text(name)]) ?? 0
            try PlanAssignments.requireUnused(name, users: users)
            try self.write("DELETE FROM plans WHERE name = ?1", [.text(name)])
            try self.appendingAudit(now: now, actor: actor, action: "plan-delete", keyID: nil, detail: "plan=\(name)")
            return true
        }
    }

    /// Throws ``KeyValidationError`` unless plan `name` exists; call inside the transaction that uses it.
    package func requirePlan(named name: String) throws {
        guard try self.integer("SELECT count(*) FROM plans WHERE name = ?1", [.text(name)]) == 1 else {
            throw KeyValidationError(field: "plan", reason: "no plan named \(name)")
        }
    }

    /// Appends one audit entry; call inside the transaction that makes the change.
    package func appendingAudit(now: Int64, actor: String, action: String, keyID: String?, detail: String) throws {
        try self.write(
            "INSERT INTO audit (at, actor, action, key_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            [.integer(now), .text(actor), .text(action), keyID.map { .text($0) } ?? .null, .text(detail)])
    }
}

extension KeyStore: KeyWriting {
    package var freeSlotQuery: String { Self.freeSlotSQL }

    package func write(_ sql: String, _ values: [SQLValue]) throws {
        try self.connection.execute(sql, values)
    }

    package func integer(_ sql: String, _ values: [SQLValue]) throws -> Int64? {
        try self.connection.int64(sql, values)
    }

    package func inWriteTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try self.connection.writeTransaction(body)
    }

    package func textRows(_ sql: String, _ values: [SQLValue], columns: Int32) throws -> [[String?]] {
        let statement = try self.connection.prepare(sql)
        try statement.bind(values)
        var rows: [[String?]] = []
        while try statement.step() { rows.append((0..<columns).map { statement.optionalText(at: $0) }) }
        return rows
    }
}
