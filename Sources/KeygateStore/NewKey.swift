public import KeygateCore

/// What an administrator asks for when creating a key; ``KeyStore/create(_:now:actor:)`` validates it.
public struct NewKey: Sendable, Equatable {
    /// A human-readable label; must not be empty.
    public var name: String
    public var owner: String
    /// Scope names, without spaces; duplicates are dropped.
    public var scopes: [String]
    /// When the key stops working (seconds since the epoch); must be in the future. `nil` never expires.
    public var expiresAtSeconds: Int64?
    /// A JSON object stored and returned verbatim.
    public var metadataJSON: String
    /// Client networks allowed to use the key; empty means any.
    public var allowedNetworks: [CIDR]
    /// `Origin` values allowed to use the key (`https://app.example.com`); empty means any.
    public var allowedOrigins: [String]
    /// The key prefix, `kg_` unless the deployment wants its own (`acme_live_`).
    public var prefix: String
    /// The plan whose limits the key starts from; it must exist. `nil` for none.
    public var plan: String?
    /// The key's own rate limits, at most one per period; each replaces the plan's with the same period.
    /// `nil` or empty for none.
    public var rateLimits: [RateLimitPolicy]?
    /// The key's own quotas, at most one per window; each replaces the plan's with the same window.
    /// `nil` or empty for none.
    public var quotas: [QuotaPolicy]?
    /// The key's own credits, replacing the plan's; `nil` for none (the plan's apply).
    public var credits: CreditPolicy?

    /// A new key; policy names are not stored, so limits read back with their default names.
    public init(
        name: String, owner: String = "", scopes: [String] = [], expiresAtSeconds: Int64? = nil,
        metadataJSON: String = "{}", allowedNetworks: [CIDR] = [], allowedOrigins: [String] = [],
        prefix: String = APIKeyFormat.defaultPrefix, plan: String? = nil, rateLimits: [RateLimitPolicy]? = nil,
        quotas: [QuotaPolicy]? = nil, credits: CreditPolicy? = nil
    ) {
        self.name = name
        self.owner = owner
        self.scopes = scopes
        self.expiresAtSeconds = expiresAtSeconds
        self.metadataJSON = metadataJSON
        self.allowedNetworks = allowedNetworks
        self.allowedOrigins = allowedOrigins
        self.prefix = prefix
        self.plan = plan
        self.rateLimits = rateLimits
        self.quotas = quotas
        self.credits = credits
    }
}
