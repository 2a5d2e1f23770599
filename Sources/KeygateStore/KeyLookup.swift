public import KeygateCore

/// A worker's read-only view of the key database: finds a key by the digest of a presented secret.
///
/// Opens the file with `SQLITE_OPEN_READONLY` and a 2 s busy timeout, refuses a schema version other than
/// ``Migrations/currentVersion``, and prepares its statements once with `SQLITE_PREPARE_PERSISTENT`. Each call
/// is its own short read transaction, so it sees every commit made before it starts. Its page cache is
/// ``pageCacheKiB`` (not SQLite's default 2 MiB). Not thread-safe: one per worker.
public final class KeyLookup {
    /// The connection's page cache bound, `PRAGMA cache_size = -pageCacheKiB`: SQLite allocates it from the heap,
    /// so it is each worker's own memory.
    ///
    /// A lookup by digest walks one path down each of a few b-trees (the secret by digest, the key by id, its
    /// plan): their interior pages, a few dozen even for a million keys, stay in 64 pages. The leaf pages of keys
    /// presented at random would not stay cached in 2 MiB either (a database of 100k keys is ~12,800 pages), and
    /// reading one again costs a `pread` from the kernel's page cache. The key cache in front of the lookup is what
    /// keeps hot keys from reaching SQLite.
    public static let pageCacheKiB = 256
    private let connection: Connection
    /// The key and secret row for one digest.
    private let findStatement: Statement
    /// Shares one copy of equal policies and scopes among the records found (see ``KeyRecordInterner``).
    private var interner: KeyRecordInterner
    /// `PRAGMA data_version`.
    private let dataVersionStatement: Statement
    /// The first and last sequence numbers in `key_changes`, and the log's id.
    private let changeBoundsStatement: Statement
    /// The rows of `key_changes` in a range of sequence numbers.
    private let changesStatement: Statement

    /// Opens the database at `path` read-only; the records found share equal policies and scopes among up to
    /// `internedValues` distinct ones of each (0: every record keeps its own).
    public init(path: String, internedValues: Int = 256) throws(StoreError) {
        self.interner = KeyRecordInterner(capacity: internedValues)
        self.connection = try Connection(path: path, mode: .readOnly, busyTimeoutMillis: 2000)
        try Migrations.requireCurrent(self.connection)
        try self.connection.execute("PRAGMA cache_size = -\(Self.pageCacheKiB)")
        self.findStatement = try self.connection.prepare(
            """
            SELECT \(KeyRow.columns), s.retires_at FROM key_secrets AS s JOIN keys AS k ON k.id = s.key_id \
            LEFT JOIN plans AS p ON p.name = k.plan WHERE s.digest = ?
            """,
            persistent: true)
        self.dataVersionStatement = try self.connection.prepare("PRAGMA data_version", persistent: true)
        // Subqueries, so that each of min and max is one b-tree probe.
        self.changeBoundsStatement = try self.connection.prepare(
            """
            SELECT (SELECT min(seq) FROM key_changes), (SELECT max(seq) FROM key_changes), \
            (SELECT value FROM keygate_state WHERE name = '\(KeyChanges.logIDName)')
            """,
            persistent: true)
        self.changesStatement = try self.connection.prepare(
            "SELECT key_id, digest FROM key_changes WHERE seq > ?1 AND seq <= ?2", persistent: true)
    }

    /// The end of the key change log: a worker's starting point.
    public func changePosition() throws(StoreError) -> KeyChanges.Position {
        try self.changeBounds().last
    }

    /// The keys and secrets changed by commits after `after`, from the `key_changes` log.
    ///
    /// Commits that change no key (usage, last-used times, snapshots, audit entries) add no row: for them this is one
    /// indexed read and returns no change. See ``KeyChanges`` for when everything is to be dropped.
    public func keyChanges(after: KeyChanges.Position) throws(StoreError) -> KeyChanges {
        let (first, last) = try self.changeBounds()
        if last == after { return KeyChanges(position: last) }
        // Another log, behind the oldest row kept, ahead of the log (a restored older copy), or far behind.
        let seen = after.sequence
        if last.logID != after.logID || last.sequence < seen || first > seen + 1
            || last.sequence - seen > KeyChanges.mostRowsRead
        {
            return KeyChanges(position: last, dropsEverything: true)
        }
        defer { self.changesStatement.reset() }
        try self.changesStatement.bind([.integer(seen), .integer(last.sequence)])
        var changes = KeyChanges(position: last)
        while try self.changesStatement.step() {
            if let id = self.changesStatement.optionalText(at: 0) { changes.keyIDs.insert(id) }
            if !self.changesStatement.isNull(at: 1) {
                let bytes = self.changesStatement.blob(at: 1)
                if bytes.count == 32 { changes.digests.append(KeyDigest(bytes: bytes)) }
            }
        }
        return changes
    }

    /// The first sequence number in the log and its end; sequence 0 when it is empty.
    private func changeBounds() throws(StoreError) -> (first: Int64, last: KeyChanges.Position) {
        defer { self.changeBoundsStatement.reset() }
        guard try self.changeBoundsStatement.step() else {
            preconditionFailure("a SELECT of subqueries returned no row")
        }
        let last = KeyChanges.Position(
            logID: self.changeBoundsStatement.optionalInt64(at: 2) ?? 0,
            sequence: self.changeBoundsStatement.optionalInt64(at: 1) ?? 0)
        return (self.changeBoundsStatement.optionalInt64(at: 0) ?? 0, last)
    }

    /// The key whose secret (current or rotated out) has SHA-256 `digest`, or `nil` if none does.
    ///
    /// Returns revoked, disabled and expired keys and retired secrets as they are: judging them is the decision
    /// layer's job. The key comes with its plan and effective ``KeygateCore/KeyRecord/policies``, parsed from the
    /// stored specs on every call (callers cache records); a spec that does not parse gives
    /// ``KeygateCore/PolicySet/invalidLimitSpec``, which admits nothing. The digest is bound in place
    /// (`SQLITE_STATIC`), and the statement is reset before returning.
    public func find(digest: KeyDigest) throws(StoreError) -> SecretMatch? {
        var words = (digest.w0.bigEndian, digest.w1.bigEndian, digest.w2.bigEndian, digest.w3.bigEndian)
        return try withUnsafeBytes(of: &words) { bytes throws(StoreError) -> SecretMatch? in
            defer { self.findStatement.reset() }
            try self.findStatement.bindBorrowed(blob: bytes, at: 1)
            guard try self.findStatement.step() else { return nil }
            var key = KeyRow.record(from: self.findStatement)
            self.interner.intern(&key)
            return SecretMatch(
                key: key,
                secretRetiresAtSeconds: self.findStatement.optionalInt64(at: KeyRow.columnCount))
        }
    }

    /// `PRAGMA cache_size` as the connection reports it: pages when positive, KiB when negative.
    public func cacheSize() throws(StoreError) -> Int64 {
        try self.connection.int64("PRAGMA cache_size") ?? 0
    }

    /// `PRAGMA data_version`: a number that changes whenever another connection commits to the database.
    ///
    /// Cheap enough to call per request; workers compare it with the value they last saw to invalidate caches.
    public func dataVersion() throws(StoreError) -> Int64 {
        defer { self.dataVersionStatement.reset() }
        guard try self.dataVersionStatement.step() else {
            preconditionFailure("PRAGMA data_version returned no row")
        }
        return self.dataVersionStatement.int64(at: 0)
    }
}
