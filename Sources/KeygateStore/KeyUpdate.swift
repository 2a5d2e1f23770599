public import KeygateCore

/// Changes to a key's properties; `nil` leaves a property as it is.
///
/// The secret is changed only by ``KeyStore/rotate(id:graceSeconds:now:actor:)`` and a key is revoked only by
/// ``KeyStore/revoke(id:now:actor:)``, so ``status`` accepts `.active` and `.disabled`.
public struct KeyUpdate: Sendable, Equatable {
    public var name: String?
    public var owner: String?
    public var scopes: [String]?
    /// `.some(nil)` removes the expiry; `.some(t)` sets it (a past time expires the key now); `nil` keeps it.
    public var expiresAtSeconds: Int64??
    public var metadataJSON: String?
    public var allowedNetworks: [CIDR]?
    public var allowedOrigins: [String]?
    /// `.active` or `.disabled`; a revoked key cannot change status.
    public var status: KeyStatus?
    /// `.some(nil)` takes the key off its plan; `.some(name)` puts it on plan `name`, which must exist.
    public var plan: String??
    /// The key's own rate limits, replacing all of its previous ones; `[]` removes them (the plan's apply).
    public var rateLimits: [RateLimitPolicy]?
    /// The key's own quotas, replacing all of its previous ones; `[]` removes them (the plan's apply).
    public var quotas: [QuotaPolicy]?
    /// `.some(nil)` removes the key's own credits (the plan's apply); `.some(c)` sets them.
    public var credits: CreditPolicy??

    public init(
        name: String? = nil, owner: String? = nil, scopes: [String]? = nil, expiresAtSeconds: Int64?? = nil,
        metadataJSON: String? = nil, allowedNetworks: [CIDR]? = nil, allowedOrigins: [String]? = nil,
        status: KeyStatus? = nil, plan: String?? = nil, rateLimits: [RateLimitPolicy]? = nil,
        quotas: [QuotaPolicy]? = nil, credits: CreditPolicy?? = nil
    ) {
        self.name = name
        self.owner = owner
        self.scopes = scopes
        self.expiresAtSeconds = expiresAtSeconds
        self.metadataJSON = metadataJSON
        self.allowedNetworks = allowedNetworks
        self.allowedOrigins = allowedOrigins
        self.status = status
        self.plan = plan
        self.rateLimits = rateLimits
        self.quotas = quotas
        self.credits = credits
    }

    /// True when the update changes nothing.
    public var isEmpty: Bool {
        self.name == nil && self.owner == nil && self.scopes == nil && self.expiresAtSeconds == nil
            && self.metadataJSON == nil && self.allowedNetworks == nil && self.allowedOrigins == nil
            && self.status == nil && self.plan == nil && self.rateLimits == nil && self.quotas == nil
            && self.credits == nil
    }
}
