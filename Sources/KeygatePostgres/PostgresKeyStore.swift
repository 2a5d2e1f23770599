import KeygateCore
import KeygateStore

/// The key store in PostgreSQL, shared by the hosts of a deployment: the same operations, validation, audit and
/// output as the SQLite ``KeygateStore/KeyStore``, over one ``PostgresConnection``.
///
/// Every change runs in one transaction that first takes a transaction-scoped advisory lock, so writers from any
/// host queue as they do on SQLite's `BEGIN IMMEDIATE` (free slots stay unique). Opening refuses a database without
/// this build's schema (``PostgresSchema``), saying what to run. Not thread-safe.
public final class PostgresKeyStore: KeyStoring, KeyWriting {
    public let connection: PostgresConnection
    /// The advisory lock every writer holds for its transaction ("KYGT").
    static let writerLock: Int64 = 0x4B59_4754

    /// Connects to `url` and requires the current schema; with `create`, creates it first if there is none. Each
    /// query waits at most `answerDeadlineMillis` (`nil`: no limit; see ``PostgresConnection``), and
    /// `pg_stat_activity` names the connection `applicationName`.
    public init(
        url: PostgresURL, create: Bool, answerDeadlineMillis: Int32? = nil, applicationName: String = "keygate"
    ) throws {
        self.connection = try PostgresConnection(
            url: url, answerDeadlineMillis: answerDeadlineMillis, applicationName: applicationName)
        if create { try PostgresSchema.create(self.connection) }
        try PostgresSchema.requireCurrent(self.connection)
    }

    public func create(_ new: NewKey, now: Int64, actor: String) throws -> (record: KeyRecord, secret: String) {
        try self.creatingKey(new, now: now, actor: actor)
    }

    public func list(includeRevoked: Bool) throws -> [KeyRecord] {
        let filter = includeRevoked ? "" : "WHERE k.status <> 'revoked'"
        return try self.connection.query(
            "SELECT \(KeyRow.columns) FROM \(KeyRow.source) \(filter) ORDER BY k.created_at, k.ordinal"
        ).rows.map { KeyRow.record(from: $0) }
    }

    public func list(_ page: KeyListPage) throws -> [KeyRecord] {
        let (sql, values) = page.query(placeholder: { "$\($0)" }, order: "ordinal")
        return try self.connection.query(sql, values).rows.map { KeyRow.record(from: $0) }
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
        try self.updatingKey(id: id, change, now: now, actor: actor)
    }

    public func revoke(id: String, now: Int64, actor: String) throws -> KeyRecord? {
        try self.revokingKey(id: id, now: now, actor: actor)
    }

    public func rotate(
        id: String, graceSeconds: Int64, now: Int64, actor: String
    ) throws -> (record: KeyRecord, secret: String)? {
        try self.rotatingKey(id: id, graceSeconds: graceSeconds, now: now, actor: actor)
    }

    public func delete(id: String, now: Int64, actor: String) throws -> Bool {
        try self.deletingKey(id: id, now: now, actor: actor)
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

    /// The smallest slot no key uses, found by walking the keys in slot order to the first gap (O(keys)): this schema
    /// keeps no list of free slots (SQLite's does, ``KeyStore/freeSlotSQL``).
    package var freeSlotQuery: String {
        """
        SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM keys WHERE slot = 0) THEN 0 ELSE (
            SELECT min(k.slot) + 1 FROM keys AS k WHERE NOT EXISTS (SELECT 1 FROM keys WHERE slot = k.slot + 1)
        ) END
        """
    }

    /// Runs `sql` with its numbered placeholders (`?1`) written as PostgreSQL's (`$1`).
    package func write(_ sql: String, _ values: [SQLValue]) throws {
        try self.connection.query(Self.dollarPlaceholders(sql), values)
    }

    package func integer(_ sql: String, _ values: [SQLValue]) throws -> Int64? {
        let result = try self.connection.query(Self.dollarPlaceholders(sql), values)
        return result.count == 0 ? nil : result.row(0).optionalInt64(at: 0)
    }

    package func textRows(_ sql: String, _ values: [SQLValue], columns: Int32) throws -> [[String?]] {
        try self.connection.query(Self.dollarPlaceholders(sql), values).rows.map { row in
            (0..<columns).map { row.optionalText(at: $0) }
        }
    }

    /// Runs `body` in a transaction holding ``writerLock``.
    package func inWriteTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try self.connection.transaction {
            try self.connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.writerLock)])
            return try body()
        }
    }

    /// `sql` with each `?` that starts a numbered placeholder (`?1`) turned into `$`; the shared SQL has no `?`
    /// elsewhere.
    static func dollarPlaceholders(_ sql: String) -> String {
        var result = ""
        var previousWasMark = false
        for character in sql {
            if previousWasMark { result.append(character.isNumber ? "$" : "?") }
            previousWasMark = character == "?"
            if !previousWasMark { result.append(character) }
        }
        if previousWasMark { result.append("?") }
        return result
    }
}
