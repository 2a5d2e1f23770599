import KeygateStore

/// The keygate schema in PostgreSQL: the SQLite tables (keys, secrets, plans, audit, usage) plus what mirrors need
/// and the hosts' usage totals (`host_usage_daily`), tracked by the one row of `keygate_schema`.
///
/// Every `keys` row carries a `version` from the sequence `keygate_key_version`, set by a trigger on INSERT and
/// UPDATE, which also runs `pg_notify('kg_keys', id || ':' || version)`. A change to a key's secrets or to its plan
/// touches the key row, so it gets a new version too. A deleted key leaves a tombstone in `key_deletions` with a
/// version of its own, notified the same way, so that a mirror sees deletions in version order.
public enum PostgresSchema {
    /// The schema version this build reads and writes.
    public static let currentVersion: Int64 = 2
    /// The notification channel of key changes.
    public static let keyChannel = "kg_keys"

    /// Each host's own totals per key and day (`host` is its `--cluster-node`), which its agent sends: kept as the
    /// larger value per column, so the sum over hosts is the total however often a host sends. Migrating to version 2 adds
    /// it to a version 1 database made before it existed.
    static let hostUsageTable = """
        CREATE TABLE host_usage_daily (
            key_id text NOT NULL,
            day text NOT NULL,
            host text NOT NULL,
            admitted bigint NOT NULL DEFAULT 0 CHECK (admitted >= 0),
            rejected bigint NOT NULL DEFAULT 0 CHECK (rejected >= 0),
            PRIMARY KEY (key_id, day, host)
        );
        """

    static let script = """
        CREATE TABLE keygate_schema (version bigint NOT NULL);
        INSERT INTO keygate_schema (version) VALUES (\(currentVersion));
        CREATE SEQUENCE keygate_key_version;
        CREATE TABLE plans (
            name text PRIMARY KEY,
            rate_limits text NOT NULL DEFAULT '',
            quotas text NOT NULL DEFAULT '',
            credits bigint,
            credit_refill text,
            created_at bigint NOT NULL
        );
        CREATE TABLE keys (
            id text PRIMARY KEY,
            slot bigint NOT NULL UNIQUE CHECK (slot >= 0),
            display_prefix text NOT NULL,
            name text NOT NULL,
            owner text NOT NULL DEFAULT '',
            scopes text NOT NULL DEFAULT '',
            status text NOT NULL CHECK (status IN ('active', 'disabled', 'revoked')),
            created_at bigint NOT NULL,
            expires_at bigint,
            last_used_at bigint,
            revoked_at bigint,
            metadata text NOT NULL DEFAULT '{}',
            allowed_cidrs text NOT NULL DEFAULT '',
            allowed_origins text NOT NULL DEFAULT '',
            plan text REFERENCES plans(name),
            rate_limits text NOT NULL DEFAULT '',
            quotas text NOT NULL DEFAULT '',
            credits bigint,
            credit_refill text,
            ordinal bigint GENERATED ALWAYS AS IDENTITY,
            version bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX keys_version ON keys (version);
        CREATE INDEX keys_plan ON keys (plan) WHERE plan IS NOT NULL;
        CREATE TABLE key_secrets (
            digest bytea PRIMARY KEY CHECK (length(digest) = 32),
            key_id text NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
            created_at bigint NOT NULL,
            retires_at bigint
        );
        CREATE INDEX key_secrets_key ON key_secrets (key_id);
        CREATE TABLE key_deletions (
            id text PRIMARY KEY,
            slot bigint NOT NULL,
            version bigint NOT NULL
        );
        CREATE INDEX key_deletions_version ON key_deletions (version);
        CREATE TABLE audit (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at bigint NOT NULL,
            actor text NOT NULL,
            action text NOT NULL,
            key_id text,
            detail text NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_key ON audit (key_id, seq);
        CREATE TABLE usage_daily (
            key_id text NOT NULL,
            day text NOT NULL,
            admitted bigint NOT NULL DEFAULT 0,
            rejected bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (key_id, day)
        );
        \(hostUsageTable)
        \(AdminKeyTables.postgres)
        CREATE FUNCTION keygate_key_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.version := nextval('keygate_key_version');
            PERFORM pg_notify('\(keyChannel)', NEW.id || ':' || NEW.version);
            RETURN NEW;
        END $$;
        CREATE TRIGGER keys_versioned BEFORE INSERT OR UPDATE ON keys
            FOR EACH ROW EXECUTE FUNCTION keygate_key_versioned();
        CREATE FUNCTION keygate_key_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            deleted_version bigint := nextval('keygate_key_version');
        BEGIN
            INSERT INTO key_deletions (id, slot, version) VALUES (OLD.id, OLD.slot, deleted_version)
                ON CONFLICT (id) DO UPDATE SET slot = EXCLUDED.slot, version = EXCLUDED.version;
            PERFORM pg_notify('\(keyChannel)', OLD.id || ':' || deleted_version);
            RETURN NULL;
        END $$;
        CREATE TRIGGER keys_deleted AFTER DELETE ON keys
            FOR EACH ROW EXECUTE FUNCTION keygate_key_deleted();
        CREATE FUNCTION keygate_secret_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                UPDATE keys SET version = 0 WHERE id = OLD.key_id;
            ELSE
                UPDATE keys SET version = 0 WHERE id = NEW.key_id;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER key_secrets_changed AFTER INSERT OR UPDATE OR DELETE ON key_secrets
            FOR EACH ROW EXECUTE FUNCTION keygate_secret_changed();
        CREATE FUNCTION keygate_plan_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE keys SET version = 0 WHERE plan IN (OLD.name, NEW.name);
            RETURN NULL;
        END $$;
        CREATE TRIGGER plans_changed AFTER UPDATE ON plans
            FOR EACH ROW EXECUTE FUNCTION keygate_plan_changed();
        """

    /// Creates the schema if the database has none; does nothing if it has this one. Refuses another version, and
    /// a database with a `keys` table but no keygate schema (someone else's).
    public static func create(_ connection: PostgresConnection) throws {
        try connection.transaction {
            try connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(PostgresKeyStore.writerLock)])
            switch try Self.version(of: connection) {
            case nil:
                if try connection.query("SELECT to_regclass('keys') IS NOT NULL").row(0).text(at: 0) == "t" {
                    throw PostgresError.refusal(
                        "init",
                        "\(connection.redactedURL) has a table named keys but no keygate schema: use another database")
                }
                try connection.execute(script: Self.script)
            case Self.currentVersion?:
                break
            case 1?:
                // Version 2 adds the admin tables (and, to a version 1 database made before it existed,
                // host_usage_daily); each only where it is missing, so a half-done upgrade finishes.
                for (table, sql) in [
                    ("host_usage_daily", Self.hostUsageTable), ("admin_keys", AdminKeyTables.postgresKeys),
                    ("admin_idempotency", AdminKeyTables.postgresIdempotency),
                ] where try connection.query("SELECT to_regclass('\(table)') IS NULL").row(0).text(at: 0) == "t" {
                    try connection.execute(script: sql)
                }
                try connection.query("UPDATE keygate_schema SET version = \(Self.currentVersion)")
            case let version?:
                throw Self.mismatch(version, connection: connection)
            }
        }
    }

    /// Throws unless the database has exactly this build's schema; the message says what to run.
    public static func requireCurrent(_ connection: PostgresConnection) throws(PostgresError) {
        switch try Self.version(of: connection) {
        case nil:
            throw PostgresError.refusal(
                "open",
                "\(connection.redactedURL) has no keygate schema: run `keygate init --db \(connection.redactedURL)`")
        case Self.currentVersion?:
            return
        case let version?:
            throw Self.mismatch(version, connection: connection)
        }
    }

    /// The version in `keygate_schema`, or `nil` when the table does not exist.
    public static func version(of connection: PostgresConnection) throws(PostgresError) -> Int64? {
        guard try connection.query("SELECT to_regclass('keygate_schema') IS NOT NULL").row(0).text(at: 0) == "t" else {
            return nil
        }
        let result = try connection.query("SELECT max(version) FROM keygate_schema")
        return result.row(0).optionalInt64(at: 0) ?? 0
    }

    private static func mismatch(_ version: Int64, connection: PostgresConnection) -> PostgresError {
        let action =
            version > Self.currentVersion
            ? "upgrade keygate" : "run `keygate migrate --db \(connection.redactedURL)` with a keygate that knows it"
        return PostgresError.refusal(
            "open",
            "\(connection.redactedURL) has keygate schema version \(version) and this keygate uses "
                + "\(Self.currentVersion): \(action)")
    }
}
