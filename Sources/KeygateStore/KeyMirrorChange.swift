/// One key's state at one version of a shared key store, as a host's mirror applies it
/// (``KeyStore/applyMirror(_:throughVersion:)``): the key with its secrets and plan, or its deletion.
public struct KeyMirrorChange: Sendable {
    public var id: String
    /// The shared store's version of this change; changes are applied in version order.
    public var version: Int64
    /// The key as stored, or `nil` when it was deleted.
    public var key: MirroredKey?

    public init(id: String, version: Int64, key: MirroredKey?) {
        self.id = id
        self.version = version
        self.key = key
    }
}

/// A key's row, plan and secrets as a shared store holds them.
public struct MirroredKey: Sendable {
    /// The `keys` columns a mirror copies: every column but `last_used_at`, which each host keeps for itself.
    public static let columnNames = [
        "id", "slot", "display_prefix", "name", "owner", "scopes", "status", "created_at", "expires_at", "revoked_at",
        "metadata", "allowed_cidrs", "allowed_origins", "plan", "rate_limits", "quotas", "credits", "credit_refill",
    ]
    /// Which of ``columnNames`` hold integers (the others hold text).
    public static let integerColumns: Set<String> = ["slot", "created_at", "expires_at", "revoked_at", "credits"]
    /// The `plans` columns a mirror copies.
    public static let planColumnNames = ["name", "rate_limits", "quotas", "credits", "credit_refill", "created_at"]
    /// Which of ``planColumnNames`` hold integers.
    public static let integerPlanColumns: Set<String> = ["credits", "created_at"]

    /// The values of ``columnNames``, in order.
    public var values: [SQLValue]
    /// The values of ``planColumnNames`` for the key's plan, or `nil` when it has none.
    public var plan: [SQLValue]?
    public var secrets: [MirroredSecret]

    public init(values: [SQLValue], plan: [SQLValue]?, secrets: [MirroredSecret]) {
        precondition(values.count == Self.columnNames.count, "a mirrored key has \(Self.columnNames.count) values")
        precondition(plan.map { $0.count == Self.planColumnNames.count } ?? true, "a mirrored plan has 6 values")
        self.values = values
        self.plan = plan
        self.secrets = secrets
    }

    /// The slot the shared store gave the key.
    public var slot: Int64 {
        guard case .integer(let slot) = self.values[1] else { preconditionFailure("a mirrored key without a slot") }
        return slot
    }
}

/// One secret of a mirrored key: its SHA-256 digest and validity, never the secret.
public struct MirroredSecret: Sendable, Equatable {
    public var digest: [UInt8]
    public var createdAtSeconds: Int64
    public var retiresAtSeconds: Int64?

    public init(digest: [UInt8], createdAtSeconds: Int64, retiresAtSeconds: Int64?) {
        self.digest = digest
        self.createdAtSeconds = createdAtSeconds
        self.retiresAtSeconds = retiresAtSeconds
    }
}
