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

    public init(
        name: String, owner: String = "", scopes: [String] = [], expiresAtSeconds: Int64? = nil,
        metadataJSON: String = "{}", allowedNetworks: [CIDR] = [], allowedOrigins: [String] = [],
        prefix: String = APIKeyFormat.defaultPrefix
    ) {
        self.name = name
        self.owner = owner
        self.scopes = scopes
        self.expiresAtSeconds = expiresAtSeconds
        self.metadataJSON = metadataJSON
        self.allowedNetworks = allowedNetworks
        self.allowedOrigins = allowedOrigins
        self.prefix = prefix
    }
}
