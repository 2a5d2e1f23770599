/// The lifecycle state an administrator sets on a key.
public enum KeyStatus: String, Sendable, CaseIterable, Codable {
    case active
    case disabled
    case revoked
}

/// Everything the decision path knows about one key, as stored (never the secret itself).
///
/// Times are whole seconds since the Unix epoch (UTC).
public struct KeyRecord: Sendable, Equatable {
    /// Public identifier, e.g. `kid_4f9Qx2LmPa7Z`. Safe to log and to send upstream.
    public var id: String
    /// Index of this key's slot in shared state (last-used times today, rate-limit buckets later).
    public var slot: Int
    /// The first characters of the secret (`kg_AbC123`), for humans to recognise a key.
    public var displayPrefix: String
    public var name: String
    public var owner: String
    public var scopes: [String]
    public var status: KeyStatus
    public var createdAtSeconds: Int64
    public var expiresAtSeconds: Int64?
    public var lastUsedAtSeconds: Int64?
    /// A JSON object, stored and returned verbatim.
    public var metadataJSON: String
    /// Client networks allowed to use the key; empty means any.
    public var allowedNetworks: [CIDR]
    /// `Origin` values allowed to use the key (`https://app.example.com`); empty means any.
    public var allowedOrigins: [String]
    /// The named plan the key draws its default limits from, or `nil` for none.
    public var plan: String?
    /// The limits in force for this key: its plan's, overridden by the key's own.
    ///
    /// Override rule: a key's rate limit replaces the plan's rate limit with the same period (s, min, hour, day); a
    /// key's quota replaces the plan's quota with the same window (day, month); the key's credits, if set, replace
    /// the plan's. Everything else from the plan stays. A key or plan has at most one rate limit per period and one
    /// quota per window, so the result does too. Empty means "no limits".
    public var policies: PolicySet

    public init(
        id: String, slot: Int, displayPrefix: String, name: String, owner: String = "", scopes: [String] = [],
        status: KeyStatus = .active, createdAtSeconds: Int64, expiresAtSeconds: Int64? = nil,
        lastUsedAtSeconds: Int64? = nil, metadataJSON: String = "{}", allowedNetworks: [CIDR] = [],
        allowedOrigins: [String] = [], plan: String? = nil, policies: PolicySet = PolicySet()
    ) {
        self.id = id
        self.slot = slot
        self.displayPrefix = displayPrefix
        self.name = name
        self.owner = owner
        self.scopes = scopes
        self.status = status
        self.createdAtSeconds = createdAtSeconds
        self.expiresAtSeconds = expiresAtSeconds
        self.lastUsedAtSeconds = lastUsedAtSeconds
        self.metadataJSON = metadataJSON
        self.allowedNetworks = allowedNetworks
        self.allowedOrigins = allowedOrigins
        self.plan = plan
        self.policies = policies
    }
}

/// What a lookup by secret digest found: the key, and whether this secret is a rotated-out one.
public struct SecretMatch: Sendable, Equatable {
    public var key: KeyRecord
    /// Set when the secret was replaced by `keys rotate`: it stays valid until this time (seconds).
    public var secretRetiresAtSeconds: Int64?

    public init(key: KeyRecord, secretRetiresAtSeconds: Int64? = nil) {
        self.key = key
        self.secretRetiresAtSeconds = secretRetiresAtSeconds
    }
}
