import KeygateCore

/// A caller of the admin API: its grants, never its secret (stored as a SHA-256 digest, shown once at creation).
public struct AdminKey: Sendable, Equatable {
    /// `adm_` and 16 base62 characters.
    public var id: String
    public var name: String
    public var grants: [AdminGrant]
    /// Seconds since the epoch.
    public var createdAtSeconds: Int64
    /// When it was revoked; a revoked admin key is refused for good.
    public var revokedAtSeconds: Int64?

    public init(id: String, name: String, grants: [AdminGrant], createdAtSeconds: Int64, revokedAtSeconds: Int64?) {
        self.id = id
        self.name = name
        self.grants = grants
        self.createdAtSeconds = createdAtSeconds
        self.revokedAtSeconds = revokedAtSeconds
    }

    /// The prefix of every admin key's secret: an admin key is never mistaken for an API key by its look.
    public static let secretPrefix = "kgadmin_"
    /// The prefix of every admin key's id.
    public static let idPrefix = "adm_"

    /// Whether `candidate` has the shape of an admin key id.
    public static func isValidID(_ candidate: String) -> Bool {
        guard candidate.hasPrefix(Self.idPrefix) else { return false }
        return KeyIdentifier.isValid(KeyIdentifier.prefix + candidate.dropFirst(Self.idPrefix.count))
    }
}

/// What an admin API create answered for one `Idempotency-Key`, so that a retry gets the same key (without its
/// secret, which is never stored).
public struct AdminIdempotencyRecord: Sendable, Equatable {
    /// A digest (hex) of the request the key was first used with: the same key with another request is refused.
    public var requestDigest: String
    /// What the create made (a key id).
    public var resultID: String
    public var createdAtSeconds: Int64

    public init(requestDigest: String, resultID: String, createdAtSeconds: Int64) {
        self.requestDigest = requestDigest
        self.resultID = resultID
        self.createdAtSeconds = createdAtSeconds
    }
}

/// The admin tables, in SQLite's dialect and PostgreSQL's.
package enum AdminKeyTables {
    package static let sqlite = """
        CREATE TABLE admin_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            digest BLOB NOT NULL UNIQUE,
            grants TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE TABLE admin_idempotency (
            admin_key_id TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            request_digest TEXT NOT NULL,
            result_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (admin_key_id, idempotency_key)
        );
        """

    package static let postgresKeys = """
        CREATE TABLE admin_keys (
            id text PRIMARY KEY,
            name text NOT NULL,
            digest bytea NOT NULL UNIQUE,
            grants text NOT NULL,
            created_at bigint NOT NULL,
            revoked_at bigint
        );
        """

    package static let postgresIdempotency = """
        CREATE TABLE admin_idempotency (
            admin_key_id text NOT NULL,
            idempotency_key text NOT NULL,
            request_digest text NOT NULL,
            result_id text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (admin_key_id, idempotency_key)
        );
        """

    package static var postgres: String { Self.postgresKeys + "\n" + Self.postgresIdempotency }
}
