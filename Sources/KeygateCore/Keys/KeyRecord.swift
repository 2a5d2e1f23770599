/// The lifecycle state an administrator sets on a key.
public enum KeyStatus: String, Sendable, CaseIterable, Codable {
    case active
    case disabled
    case revoked
}

/// Everything the decision path knows about one key, as stored (never the secret itself).
///
/// Times are whole seconds since the Unix epoch (UTC).
///
/// A value type over one shared, copy-on-write storage object: the decision path copies a key into every
/// ``Decision`` it makes, and such a copy costs one reference count instead of one per string and array field.
public struct KeyRecord: Sendable, Equatable {
    /// Public identifier, e.g. `kid_4f9Qx2LmPa7Z`. Safe to log and to send upstream.
    public var id: String {
        get { self.storage.fields.id }
        set { self.unique().fields.id = newValue }
    }
    /// Index of this key's slot in the shared files: its last-used time and its limits' counters.
    public var slot: Int {
        get { self.storage.fields.slot }
        set { self.unique().fields.slot = newValue }
    }
    /// The first characters of the secret (`kg_AbC123`), for humans to recognise a key.
    public var displayPrefix: String {
        get { self.storage.fields.displayPrefix }
        set { self.unique().fields.displayPrefix = newValue }
    }
    public var name: String {
        get { self.storage.fields.name }
        set { self.unique().fields.name = newValue }
    }
    public var owner: String {
        get { self.storage.fields.owner }
        set { self.unique().fields.owner = newValue }
    }
    public var scopes: [String] {
        get { self.storage.fields.scopes }
        set { self.unique().fields.scopes = newValue }
    }
    public var status: KeyStatus {
        get { self.storage.fields.status }
        set { self.unique().fields.status = newValue }
    }
    public var createdAtSeconds: Int64 {
        get { self.storage.fields.createdAtSeconds }
        set { self.unique().fields.createdAtSeconds = newValue }
    }
    public var expiresAtSeconds: Int64? {
        get { self.storage.fields.expiresAtSeconds }
        set { self.unique().fields.expiresAtSeconds = newValue }
    }
    public var lastUsedAtSeconds: Int64? {
        get { self.storage.fields.lastUsedAtSeconds }
        set { self.unique().fields.lastUsedAtSeconds = newValue }
    }
    /// A JSON object, stored and returned verbatim.
    public var metadataJSON: String {
        get { self.storage.fields.metadataJSON }
        set { self.unique().fields.metadataJSON = newValue }
    }
    /// Client networks allowed to use the key; empty means any.
    public var allowedNetworks: [CIDR] {
        get { self.storage.fields.allowedNetworks }
        set { self.unique().fields.allowedNetworks = newValue }
    }
    /// `Origin` values allowed to use the key (`https://app.example.com`); empty means any.
    public var allowedOrigins: [String] {
        get { self.storage.fields.allowedOrigins }
        set { self.unique().fields.allowedOrigins = newValue }
    }
    /// The named plan the key draws its default limits from, or `nil` for none.
    public var plan: String? {
        get { self.storage.fields.plan }
        set { self.unique().fields.plan = newValue }
    }
    /// The limits in force for this key: its plan's, overridden by the key's own.
    ///
    /// Override rule: a key's rate limit replaces the plan's rate limit with the same period (s, min, hour, day); a
    /// key's quota replaces the plan's quota with the same window (day, month); the key's credits, if set, replace
    /// the plan's. Everything else from the plan stays. A key or plan has at most one rate limit per period and one
    /// quota per window, so the result does too. Empty means "no limits".
    public var policies: PolicySet {
        get { self.storage.fields.policies }
        set { self.unique().fields.policies = newValue }
    }

    public init(
        id: String, slot: Int, displayPrefix: String, name: String, owner: String = "", scopes: [String] = [],
        status: KeyStatus = .active, createdAtSeconds: Int64, expiresAtSeconds: Int64? = nil,
        lastUsedAtSeconds: Int64? = nil, metadataJSON: String = "{}", allowedNetworks: [CIDR] = [],
        allowedOrigins: [String] = [], plan: String? = nil, policies: PolicySet = PolicySet()
    ) {
        self.storage = Storage(
            Fields(
                id: id, slot: slot, displayPrefix: displayPrefix, name: name, owner: owner, scopes: scopes,
                status: status,
                createdAtSeconds: createdAtSeconds, expiresAtSeconds: expiresAtSeconds,
                lastUsedAtSeconds: lastUsedAtSeconds, metadataJSON: metadataJSON, allowedNetworks: allowedNetworks,
                allowedOrigins: allowedOrigins, plan: plan, policies: policies))
    }

    public static func == (lhs: KeyRecord, rhs: KeyRecord) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    /// Shared between copies; replaced by a copy before a write unless uniquely referenced.
    private var storage: Storage

    /// The storage, copied first if another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&self.storage) { self.storage = Storage(self.storage.fields) }
        return self.storage
    }

    /// The box the fields live in; written only through a uniquely referenced instance.
    private final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    /// The stored fields, with synthesized equality.
    private struct Fields: Equatable {
        var id: String
        var slot: Int
        var displayPrefix: String
        var name: String
        var owner: String
        var scopes: [String]
        var status: KeyStatus
        var createdAtSeconds: Int64
        var expiresAtSeconds: Int64?
        var lastUsedAtSeconds: Int64?
        var metadataJSON: String
        var allowedNetworks: [CIDR]
        var allowedOrigins: [String]
        var plan: String?
        var policies: PolicySet
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
