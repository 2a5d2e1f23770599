/// The versioned schema of a keygate database, tracked in `PRAGMA user_version`.
///
/// Migration N turns a version N-1 database into version N; all pending ones run in one IMMEDIATE transaction, so a
/// crash or a concurrent `keygate migrate` never leaves a half-migrated file. Migration 1 also sets
/// `PRAGMA application_id`, so that keygate recognises its own files and refuses someone else's SQLite database.
public enum Migrations {
    /// The schema version this build reads and writes.
    public static let currentVersion: Int64 = 6
    /// `PRAGMA application_id` of keygate databases: ASCII "KYGT".
    public static let applicationID: Int64 = 0x4B59_4754

    /// One forward step.
    private struct Step: Sendable {
        let version: Int64
        let sql: String
    }

    private static let steps: [Step] = [
        Step(
            version: 1,
            sql: """
                CREATE TABLE keys (
                    id TEXT PRIMARY KEY,
                    slot INTEGER NOT NULL UNIQUE CHECK (slot >= 0),
                    display_prefix TEXT NOT NULL,
                    name TEXT NOT NULL,
                    owner TEXT NOT NULL DEFAULT '',
                    scopes TEXT NOT NULL DEFAULT '',
                    status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'revoked')),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    last_used_at INTEGER,
                    revoked_at INTEGER,
                    metadata TEXT NOT NULL DEFAULT '{}',
                    allowed_cidrs TEXT NOT NULL DEFAULT '',
                    allowed_origins TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE key_secrets (
                    digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
                    key_id TEXT NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    retires_at INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX key_secrets_key ON key_secrets(key_id);
                CREATE TABLE audit (
                    seq INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    key_id TEXT,
                    detail TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX audit_key ON audit(key_id, seq);
                PRAGMA application_id = \(Self.applicationID);
                """),
        // Limits: named plans, each key's plan and overrides (canonical spec text, see PolicySpecText), and
        // per-day request counts ('YYYY-MM-DD', UTC).
        Step(
            version: 2,
            sql: """
                CREATE TABLE plans (
                    name TEXT PRIMARY KEY,
                    rate_limits TEXT NOT NULL DEFAULT '',
                    quotas TEXT NOT NULL DEFAULT '',
                    credits INTEGER,
                    credit_refill TEXT,
                    created_at INTEGER NOT NULL
                );
                ALTER TABLE keys ADD COLUMN plan TEXT REFERENCES plans(name);
                ALTER TABLE keys ADD COLUMN rate_limits TEXT NOT NULL DEFAULT '';
                ALTER TABLE keys ADD COLUMN quotas TEXT NOT NULL DEFAULT '';
                ALTER TABLE keys ADD COLUMN credits INTEGER;
                ALTER TABLE keys ADD COLUMN credit_refill TEXT;
                CREATE INDEX keys_plan ON keys(plan) WHERE plan IS NOT NULL;
                CREATE TABLE usage_daily (
                    key_id TEXT NOT NULL,
                    day TEXT NOT NULL,
                    admitted INTEGER NOT NULL DEFAULT 0,
                    rejected INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (key_id, day)
                ) WITHOUT ROWID;
                """),
        // Shared-state identity and snapshots: which counters file this database counts with (so that a lost file
        // is noticed), and each slot's policy words as of the last usage roll-up (so that a rebuild restores them).
        Step(
            version: 3,
            sql: """
                CREATE TABLE keygate_state (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE counter_snapshots (
                    slot INTEGER PRIMARY KEY CHECK (slot >= 0),
                    owner INTEGER NOT NULL,
                    words BLOB NOT NULL,
                    saved_at INTEGER NOT NULL
                );
                """),
        // Per-key change log, for workers' key caches (see KeyLookup.keyChanges). Triggers append one row per change
        // that can alter what a digest finds: the changed key's id, and the digest when a secret changed (so that a
        // cached "unknown" for a new secret is dropped too). keygate's own bookkeeping (last_used_at, usage_daily,
        // counter_snapshots, keygate_state, audit) logs nothing, so it never drops cached keys. Every writer, in any
        // process (CLI, a mirror, the sqlite3 shell), goes through the triggers. The log keeps its last 10,000 rows;
        // a worker that fell further behind drops its whole cache. A random log id (in keygate_state) tells this
        // file's log from another's after a restore that bypasses the triggers (the backup API, `cp`). A column added to `keys` must be added to the
        // `UPDATE OF` list of `keys_changed` (a test updates every column but last_used_at and expects a row).
        Step(
            version: 4,
            sql: """
                CREATE TABLE key_changes (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    key_id TEXT,
                    digest BLOB
                );
                INSERT INTO keygate_state (name, value) VALUES ('\(KeyChanges.logIDName)', random());
                CREATE TRIGGER key_changes_pruned AFTER INSERT ON key_changes BEGIN
                    DELETE FROM key_changes WHERE seq <= NEW.seq - \(KeyChanges.retainedRows);
                END;
                CREATE TRIGGER keys_changed AFTER UPDATE OF
                    id, slot, display_prefix, name, owner, scopes, status, created_at, expires_at, revoked_at, metadata,
                    allowed_cidrs, allowed_origins, plan, rate_limits, quotas, credits, credit_refill
                ON keys BEGIN
                    INSERT INTO key_changes (key_id) VALUES (OLD.id);
                    INSERT INTO key_changes (key_id) SELECT NEW.id WHERE NEW.id IS NOT OLD.id;
                END;
                CREATE TRIGGER keys_deleted AFTER DELETE ON keys BEGIN
                    INSERT INTO key_changes (key_id) VALUES (OLD.id);
                END;
                CREATE TRIGGER key_secrets_inserted AFTER INSERT ON key_secrets BEGIN
                    INSERT INTO key_changes (key_id, digest) VALUES (NEW.key_id, NEW.digest);
                END;
                CREATE TRIGGER key_secrets_changed AFTER UPDATE ON key_secrets BEGIN
                    INSERT INTO key_changes (key_id, digest) VALUES (OLD.key_id, OLD.digest);
                    INSERT INTO key_changes (key_id, digest) SELECT NEW.key_id, NEW.digest
                        WHERE NEW.key_id IS NOT OLD.key_id OR NEW.digest IS NOT OLD.digest;
                END;
                CREATE TRIGGER key_secrets_deleted AFTER DELETE ON key_secrets BEGIN
                    INSERT INTO key_changes (key_id, digest) VALUES (OLD.key_id, OLD.digest);
                END;
                CREATE TRIGGER plans_inserted AFTER INSERT ON plans BEGIN
                    INSERT INTO key_changes (key_id) SELECT id FROM keys WHERE plan = NEW.name;
                END;
                CREATE TRIGGER plans_changed AFTER UPDATE ON plans BEGIN
                    INSERT INTO key_changes (key_id) SELECT id FROM keys WHERE plan IN (OLD.name, NEW.name);
                END;
                CREATE TRIGGER plans_deleted AFTER DELETE ON plans BEGIN
                    INSERT INTO key_changes (key_id) SELECT id FROM keys WHERE plan = OLD.name;
                END;
                """),
        // Admin keys (the admin API's callers, stored as digests like API keys) and the admin API's remembered
        // `Idempotency-Key`s (the key made, never its secret). Neither touches `keys`, so no worker's cache drops.
        Step(version: 5, sql: AdminKeyTables.sqlite),
        // Every free slot below the highest in use, kept by triggers (whoever writes, the sqlite3 shell included), so
        // that a new key finds the smallest free slot in two index lookups (``KeyStore/freeSlotSQL``) instead of a
        // walk over every key: a deleted key's slot is listed, a taken one unlisted, and a key put above the next
        // free slot (a mirrored key at its shared slot) lists the ones it skipped. Filled once here with the gaps.
        // And an index in creation order (rowid breaks ties inside it), from which a page of `GET /v1/keys` is read
        // without sorting every key.
        Step(
            version: 6,
            sql: """
                CREATE TABLE free_slots (slot INTEGER PRIMARY KEY CHECK (slot >= 0));
                CREATE INDEX keys_created ON keys(created_at);
                WITH RECURSIVE candidate(slot) AS (
                    SELECT 0 UNION ALL SELECT slot + 1 FROM candidate WHERE slot + 1 < (SELECT max(slot) FROM keys)
                )
                INSERT INTO free_slots (slot) SELECT slot FROM candidate
                    WHERE slot < (SELECT max(slot) FROM keys)
                    AND NOT EXISTS (SELECT 1 FROM keys WHERE keys.slot = candidate.slot);
                CREATE TRIGGER keys_slot_taken AFTER INSERT ON keys BEGIN
                    \(Self.listingSkippedSlots)
                    DELETE FROM free_slots WHERE slot = NEW.slot;
                END;
                CREATE TRIGGER keys_slot_moved AFTER UPDATE OF slot ON keys BEGIN
                    INSERT OR IGNORE INTO free_slots (slot) VALUES (OLD.slot);
                    \(Self.listingSkippedSlots)
                    DELETE FROM free_slots WHERE slot = NEW.slot;
                END;
                CREATE TRIGGER keys_slot_freed AFTER DELETE ON keys BEGIN
                    INSERT OR IGNORE INTO free_slots (slot) VALUES (OLD.slot);
                END;
                """),
    ]

    /// In a trigger on `keys`: lists the free slots between the highest slot in use below `NEW.slot` and `NEW.slot`
    /// (none when a key takes the next free slot, as keygate's own writes do).
    static let listingSkippedSlots = """
        INSERT OR IGNORE INTO free_slots (slot) SELECT value FROM (
                WITH RECURSIVE skipped(value) AS (
                    SELECT coalesce((SELECT max(slot) FROM keys WHERE slot < NEW.slot), -1) + 1
                    UNION ALL SELECT value + 1 FROM skipped WHERE value + 1 < NEW.slot
                )
                SELECT value FROM skipped WHERE value < NEW.slot
            );
        """

    /// The schema version recorded in the database (`PRAGMA user_version`); 0 for a new file.
    public static func version(of connection: Connection) throws(StoreError) -> Int64 {
        try connection.int64("PRAGMA user_version") ?? 0
    }

    /// Brings the database up to `target` (``currentVersion`` unless a test wants an older schema); does nothing
    /// if it is already there.
    ///
    /// Refuses a database newer than this build, one whose `application_id` belongs to another program, and an
    /// unversioned one that already has tables (someone else's database).
    public static func migrate(_ connection: Connection, toVersion target: Int64 = currentVersion) throws(StoreError) {
        do {
            try connection.writeTransaction {
                let version = try Self.version(of: connection)
                try Self.requireKeygateFile(connection, version: version)
                guard version <= Self.currentVersion else { throw Self.tooNew(version) }
                for step in Self.steps where step.version > version && step.version <= target {
                    try connection.executeScript(step.sql)
                    try connection.executeScript("PRAGMA user_version = \(step.version)")
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            preconditionFailure("migration threw a non-store error: \(error)")
        }
    }

    /// Refuses a database whose schema version is not exactly ``currentVersion``; for read-only connections.
    public static func requireCurrent(_ connection: Connection) throws(StoreError) {
        let version = try Self.version(of: connection)
        try Self.requireKeygateFile(connection, version: version)
        if version > Self.currentVersion { throw Self.tooNew(version) }
        if version < Self.currentVersion {
            throw StoreError.refusal(
                "open",
                "database schema version \(version) is older than this keygate (\(Self.currentVersion)): "
                    + "run `keygate migrate`")
        }
    }

    private static func tooNew(_ version: Int64) -> StoreError {
        StoreError.refusal(
            "open",
            "database schema version \(version) is newer than this keygate (\(Self.currentVersion)): upgrade keygate")
    }

    private static func requireKeygateFile(_ connection: Connection, version: Int64) throws(StoreError) {
        let applicationID = try connection.int64("PRAGMA application_id") ?? 0
        if applicationID != 0 && applicationID != Self.applicationID {
            throw StoreError.refusal(
                "open", "\(connection.path) belongs to another program (application_id \(applicationID))")
        }
        if version == 0, let objects = try connection.int64("SELECT count(*) FROM sqlite_schema"), objects > 0 {
            throw StoreError.refusal(
                "open", "\(connection.path) is an SQLite database with tables but no keygate schema version")
        }
    }
}
