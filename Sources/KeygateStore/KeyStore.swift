import KeygateCore
import KeygateCrypto

/// The administrator's read-write view of the key database (the CLI); workers use ``KeyLookup``.
///
/// Every change runs in one `BEGIN IMMEDIATE` transaction that also appends an ``AuditEntry``. Time (`now`, in
/// seconds since the epoch) and the acting user are arguments. Secrets are returned once, by `create` and `rotate`,
/// and otherwise exist only as SHA-256 digests: they never reach the audit log or an error. Unknown ids give `nil`
/// or `false`; refused input throws ``KeyValidationError``; database failures throw ``StoreError``. Not thread-safe.
public final class KeyStore {
    let connection: Connection

    /// The database file.
    public var path: String { self.connection.path }

    /// Opens the database at `path` for writing and migrates it to ``Migrations/currentVersion``.
    ///
    /// With `create`, a missing file is created with mode 0600 (its `-wal` and `-shm` files get the same).
    /// Without it, a missing file is an error that says how to create one.
    public init(path: String, create: Bool) throws(StoreError) {
        self.connection = try Connection(path: path, mode: create ? .create : .readWrite)
        try Migrations.migrate(self.connection)
    }

    /// Creates a key in the smallest free slot and returns it with its secret, which is never shown again.
    ///
    /// The key's plan must exist, and its own limits may hold one rate limit per period and one quota per window
    /// (``KeyValidationError`` otherwise); they are stored as canonical specs (``PolicySpecText``).
    public func create(_ new: NewKey, now: Int64, actor: String) throws -> (record: KeyRecord, secret: String) {
        try self.creatingKey(new, now: now, actor: actor)
    }

    /// Creates every key of `keys` in one transaction (all or none, each audited as by ``create(_:now:actor:)``)
    /// and returns their secrets in order. Made for seeding large test and benchmark databases: a free slot is
    /// searched for once, then the next slots are taken while they are free.
    public func createMany(_ keys: [NewKey], now: Int64, actor: String) throws -> [String] {
        let hasher = try SHA256Hasher()
        return try self.connection.writeTransaction { () throws -> [String] in
            var secrets: [String] = []
            secrets.reserveCapacity(keys.count)
            var slot = try self.connection.int64(Self.freeSlotSQL) ?? 0
            for new in keys {
                if try self.keyID(forSlot: Int(slot)) != nil { slot = try self.connection.int64(Self.freeSlotSQL) ?? 0 }
                secrets.append(try self.insertingKey(new, slot: slot, hasher: hasher, now: now, actor: actor).secret)
                slot += 1
            }
            return secrets
        }
    }

    /// Every key in creation order; revoked keys only if `includeRevoked`.
    public func list(includeRevoked: Bool) throws -> [KeyRecord] {
        let filter = includeRevoked ? "" : "WHERE k.status <> 'revoked'"
        let statement = try self.connection.prepare(
            "SELECT \(KeyRow.columns) FROM \(KeyRow.source) \(filter) ORDER BY k.created_at, k.rowid")
        var records: [KeyRecord] = []
        while try statement.step() {
            records.append(KeyRow.record(from: statement))
        }
        return records
    }

    /// One page of keys in creation order, filtered and cut by SQLite (``KeyListPage``).
    public func list(_ page: KeyListPage) throws -> [KeyRecord] {
        let (sql, values) = page.query(placeholder: { _ in "?" }, order: "rowid")
        let statement = try self.connection.prepare(sql)
        try statement.bind(values)
        var records: [KeyRecord] = []
        while try statement.step() {
            records.append(KeyRow.record(from: statement))
        }
        return records
    }

    /// The key with identifier `id`, or `nil`.
    public func find(id: String) throws -> KeyRecord? {
        let statement = try self.connection.prepare("SELECT \(KeyRow.columns) FROM \(KeyRow.source) WHERE k.id = ?")
        try statement.bind([.text(id)])
        guard try statement.step() else { return nil }
        return KeyRow.record(from: statement)
    }

    /// When each secret of key `id` was created and retires, current first; empty for an unknown id.
    public func secrets(id: String) throws -> [SecretInfo] {
        let statement = try self.connection.prepare(
            """
            SELECT created_at, retires_at FROM key_secrets WHERE key_id = ?
            ORDER BY retires_at IS NOT NULL, retires_at DESC, created_at DESC
            """)
        try statement.bind([.text(id)])
        var secrets: [SecretInfo] = []
        while try statement.step() {
            secrets.append(
                SecretInfo(createdAtSeconds: statement.int64(at: 0), retiresAtSeconds: statement.optionalInt64(at: 1)))
        }
        return secrets
    }

    /// Deletes key `id` and its secrets, freeing its slot; `false` for an unknown id. The audit entries stay.
    public func delete(id: String, now: Int64, actor: String) throws -> Bool {
        try self.deletingKey(id: id, now: now, actor: actor)
    }

    /// The newest `limit` audit entries, newest first, for key `keyID` or for all keys when `nil`.
    public func auditLog(keyID: String?, limit: Int) throws -> [AuditEntry] {
        let filter = keyID == nil ? "" : "WHERE key_id = ?"
        let statement = try self.connection.prepare(
            "SELECT seq, at, actor, action, key_id, detail FROM audit \(filter) ORDER BY seq DESC LIMIT ?")
        try statement.bind((keyID.map { [SQLValue.text($0)] } ?? []) + [.integer(Int64(max(limit, 0)))])
        var entries: [AuditEntry] = []
        while try statement.step() {
            entries.append(
                AuditEntry(
                    sequence: statement.int64(at: 0), atSeconds: statement.int64(at: 1), actor: statement.text(at: 2),
                    action: statement.text(at: 3), keyID: statement.optionalText(at: 4),
                    detail: statement.text(at: 5)))
        }
        return entries
    }

    /// The identifier of the key in `slot`, or `nil` if the slot is free.
    public func keyID(forSlot slot: Int) throws -> String? {
        try self.connection.text("SELECT id FROM keys WHERE slot = ?", [.integer(Int64(slot))])
    }

    /// The smallest slot no key uses: the smallest of the slots deleted keys freed (`free_slots`, kept by triggers),
    /// else the one after the highest in use; two index lookups however many keys there are. A listed slot that a key
    /// took without the triggers seeing it (a `REPLACE` that deleted a row) is passed over, never handed out twice.
    package static let freeSlotSQL = """
        SELECT coalesce(
            (SELECT f.slot FROM free_slots AS f WHERE NOT EXISTS (SELECT 1 FROM keys WHERE slot = f.slot)
                ORDER BY f.slot LIMIT 1),
            (SELECT max(slot) + 1 FROM keys),
            0)
        """

    /// Text built by `make` from CSPRNG bytes, drawing more bytes in the (astronomically rare) case it runs out.
    package static func randomText(_ make: ([UInt8]) -> String?) throws(CryptoError) -> String {
        var bytes = try SecureRandom.bytes(count: 64)
        while true {
            if let text = make(bytes) { return text }
            bytes += try SecureRandom.bytes(count: 32)
        }
    }

    /// `text` in double quotes with `"` and `\` escaped, for audit details.
    package static func quoted(_ text: String) -> String {
        var escaped = "\""
        for character in text {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "\""
    }
}
