import KeygateCore
import KeygateCrypto
import KeygateStore

/// The key store in PostgreSQL, shared by the hosts of a deployment: the same operations, validation, audit and
/// output as the SQLite ``KeygateStore/KeyStore``, over one ``PostgresConnection``.
///
/// Every change runs in one transaction that first takes a transaction-scoped advisory lock, so writers from any
/// host queue as they do on SQLite's `BEGIN IMMEDIATE` (free slots stay unique). Opening refuses a database without
/// this build's schema (``PostgresSchema``), saying what to run. Not thread-safe.
public final class PostgresKeyStore: KeyStoring {
    public let connection: PostgresConnection
    /// The advisory lock every writer holds for its transaction ("KYGT").
    static let writerLock: Int64 = 0x4B59_4754

    /// Connects to `url` and requires the current schema; with `create`, creates it first if there is none.
    public init(url: PostgresURL, create: Bool) throws {
        self.connection = try PostgresConnection(url: url)
        if create { try PostgresSchema.create(self.connection) }
        try PostgresSchema.requireCurrent(self.connection)
    }

    /// Runs `body` in a transaction holding ``writerLock``.
    func writeTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try self.connection.transaction {
            try self.connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.writerLock)])
            return try body()
        }
    }

    /// `names` as a column list and `$first…` placeholders, for an INSERT.
    static func insertion(into table: String, _ names: [String]) -> String {
        let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))"
    }

    public func create(_ new: NewKey, now: Int64, actor: String) throws -> (record: KeyRecord, secret: String) {
        let hasher = try SHA256Hasher()
        let row = try KeyInsertion(new, now: now)
        return try self.writeTransaction { () throws -> (record: KeyRecord, secret: String) in
            let slot = try self.connection.query(KeyStore.freeSlotSQL).row(0).int64(at: 0)
            if let plan = row.plan { try self.requirePlan(named: plan) }
            let columns = [("slot", SQLValue.integer(slot))] + row.columns
            try self.connection.query(Self.insertion(into: "keys", columns.map(\.0)), columns.map(\.1))
            try self.connection.query(
                "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES ($1, $2, $3, NULL)",
                [.blob(hasher.digest(row.secret).bytes), .text(row.id), .integer(now)])
            try self.appendAudit(
                now: now, actor: actor, action: "create", keyID: row.id, detail: row.auditDetail(slot: slot))
            return (try self.find(id: row.id)!, row.secret)
        }
    }

    public func list(includeRevoked: Bool) throws -> [KeyRecord] {
        let filter = includeRevoked ? "" : "WHERE k.status <> 'revoked'"
        return try self.connection.query(
            "SELECT \(KeyRow.columns) FROM \(KeyRow.source) \(filter) ORDER BY k.created_at, k.ordinal"
        ).rows.map { KeyRow.record(from: $0) }
    }

    public func find(id: String) throws -> KeyRecord? {
        let result = try self.connection.query(
            "SELECT \(KeyRow.columns) FROM \(KeyRow.source) WHERE k.id = $1", [.text(id)])
        return result.count == 0 ? nil : KeyRow.record(from: result.row(0))
    }

    public func secrets(id: String) throws -> [SecretInfo] {
        try self.connection.query(
            """
            SELECT created_at, retires_at FROM key_secrets WHERE key_id = $1
            ORDER BY retires_at IS NOT NULL, retires_at DESC, created_at DESC
            """, [.text(id)]
        ).rows.map { SecretInfo(createdAtSeconds: $0.int64(at: 0), retiresAtSeconds: $0.optionalInt64(at: 1)) }
    }

    public func update(id: String, _ change: KeyUpdate, now: Int64, actor: String) throws -> KeyRecord? {
        let assignments = try change.assignments()
        return try self.writeTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard !assignments.isEmpty else { return record }
            if let plan = assignments.plan ?? nil { try self.requirePlan(named: plan) }
            try assignments.requireAllowed(on: record)
            let settings = assignments.columns.enumerated().map { "\($0.element.name) = $\($0.offset + 1)" }
            try self.connection.query(
                "UPDATE keys SET \(settings.joined(separator: ", ")) WHERE id = $\(settings.count + 1)",
                assignments.columns.map(\.value) + [.text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "update", keyID: id, detail: assignments.notes.joined(separator: " "))
            return try self.find(id: id)
        }
    }

    public func revoke(id: String, now: Int64, actor: String) throws -> KeyRecord? {
        try self.writeTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else { return record }
            try self.connection.query(
                "UPDATE keys SET status = 'revoked', revoked_at = $1 WHERE id = $2", [.integer(now), .text(id)])
            try self.appendAudit(now: now, actor: actor, action: "revoke", keyID: id, detail: "was=\(record.status)")
            return try self.find(id: id)
        }
    }

    public func rotate(
        id: String, graceSeconds: Int64, now: Int64, actor: String
    ) throws -> (record: KeyRecord, secret: String)? {
        let grace = try KeyFieldRules.grace(graceSeconds)
        let (retiresAt, overflow) = now.addingReportingOverflow(grace)
        let previousRetiresAt = overflow ? Int64.max : retiresAt
        let hasher = try SHA256Hasher()
        return try self.writeTransaction { () throws -> (record: KeyRecord, secret: String)? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else {
                throw KeyValidationError(field: "status", reason: "\(id) is revoked; create a new key instead")
            }
            let prefix = APIKeyFormat.prefix(ofDisplayPrefix: record.displayPrefix) ?? APIKeyFormat.defaultPrefix
            let secret = try KeyStore.randomText { APIKeyFormat.make(prefix: prefix, randomBytes: $0) }
            let displayPrefix = APIKeyFormat.displayPrefix(of: secret)
            try self.connection.query(
                "DELETE FROM key_secrets WHERE key_id = $1 AND retires_at <= $2", [.text(id), .integer(now)])
            try self.connection.query(
                "UPDATE key_secrets SET retires_at = least(coalesce(retires_at, $1), $1) WHERE key_id = $2",
                [.integer(previousRetiresAt), .text(id)])
            try self.connection.query(
                "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES ($1, $2, $3, NULL)",
                [.blob(hasher.digest(secret).bytes), .text(id), .integer(now)])
            try self.connection.query(
                "UPDATE keys SET display_prefix = $1 WHERE id = $2", [.text(displayPrefix), .text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "rotate", keyID: id,
                detail: "prefix=\(displayPrefix) previous=\(record.displayPrefix) retires_at=\(previousRetiresAt)")
            return (try self.find(id: id)!, secret)
        }
    }

    public func delete(id: String, now: Int64, actor: String) throws -> Bool {
        try self.writeTransaction { () throws -> Bool in
            guard let record = try self.find(id: id) else { return false }
            try self.connection.query("DELETE FROM keys WHERE id = $1", [.text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "delete", keyID: id,
                detail: "name=\(KeyStore.quoted(record.name)) slot=\(record.slot) prefix=\(record.displayPrefix)")
            return true
        }
    }

    public func auditLog(keyID: String?, limit: Int) throws -> [AuditEntry] {
        let filter = keyID == nil ? "" : "WHERE key_id = $2"
        let parameters: [SQLValue] = [.integer(Int64(max(limit, 0)))] + (keyID.map { [.text($0)] } ?? [])
        return try self.connection.query(
            "SELECT seq, at, actor, action, key_id, detail FROM audit \(filter) ORDER BY seq DESC LIMIT $1", parameters
        ).rows.map { row in
            AuditEntry(
                sequence: row.int64(at: 0), atSeconds: row.int64(at: 1), actor: row.text(at: 2),
                action: row.text(at: 3), keyID: row.optionalText(at: 4), detail: row.text(at: 5))
        }
    }

    /// Appends one audit entry; call inside the transaction that makes the change.
    func appendAudit(now: Int64, actor: String, action: String, keyID: String?, detail: String) throws(PostgresError) {
        try self.connection.query(
            "INSERT INTO audit (at, actor, action, key_id, detail) VALUES ($1, $2, $3, $4, $5)",
            [.integer(now), .text(actor), .text(action), keyID.map { .text($0) } ?? .null, .text(detail)])
    }
}
