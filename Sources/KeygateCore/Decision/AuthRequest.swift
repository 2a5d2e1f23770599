/// The facts about one request that a decision reads, independent of the wire protocol that carried them.
public struct AuthRequest: Sendable, Equatable {
    /// The raw `Authorization` header value.
    public var authorization: String?
    /// The raw `X-API-Key` header value.
    public var apiKeyHeader: String?
    /// The original request target, path plus query (`REQUEST_URI`).
    public var uri: String
    public var method: String
    /// The peer address as the front end saw it (`REMOTE_ADDR`).
    public var remoteAddress: String?
    /// `X-Forwarded-For`, honoured only when `remoteAddress` is a trusted proxy.
    public var forwardedFor: String?
    public var origin: String?
    /// Scopes the route requires (all of them), e.g. from `fastcgi_param KEYGATE_SCOPE "reports:read"`.
    public var requiredScopes: [String]
    /// Who asked, and so how the answer is spelled: resolved once per listener or FastCGI role.
    public var profile: FrontEndProfile
    /// What the request spends from rate limits, quotas and credits (`KEYGATE_COST`; default 1; 0 spends nothing).
    public var cost: Int64
    /// Evaluate limits without consuming anything (explain paths, `keygate check --dry-run`).
    public var dryRun: Bool
    /// `REDIRECT_STATUS` of an Apache internal redirect (the status an `ErrorDocument` handler explains).
    public var redirectStatus: Int?
    /// The front end's id of the request (`X-Request-ID`, nginx's `$request_id`), for log lines only.
    public var requestID: String?

    public init(
        authorization: String? = nil, apiKeyHeader: String? = nil, uri: String = "/", method: String = "GET",
        remoteAddress: String? = nil, forwardedFor: String? = nil, origin: String? = nil,
        requiredScopes: [String] = [], profile: FrontEndProfile = .fastCGI(.nginx), cost: Int64 = 1,
        dryRun: Bool = false
    ) {
        self.authorization = authorization
        self.apiKeyHeader = apiKeyHeader
        self.uri = uri
        self.method = method
        self.remoteAddress = remoteAddress
        self.forwardedFor = forwardedFor
        self.origin = origin
        self.requiredScopes = requiredScopes
        self.profile = profile
        self.cost = cost
        self.dryRun = dryRun
    }
}

/// Settings of the decision path that come from `keygate serve` flags, not from the request.
public struct GatePolicy: Sendable, Equatable {
    /// Name of the query parameter that may carry the key; `nil` (the default) disables keys in URLs.
    public var queryParameter: String?
    /// Proxies whose `X-Forwarded-For` is believed; empty means REMOTE_ADDR is always the client.
    public var trustedProxies: [CIDR]
    /// The `realm` of `WWW-Authenticate`.
    public var realm: String
    /// Send identity headers on allow (`X-Keygate-Key-Id` or `Variable-KEYGATE_KEY_ID`).
    public var identityHeaders: Bool
    /// Limit per client IP on requests without a valid key (missing, malformed, unknown): throttles key guessing.
    public var keylessIPLimit: RateLimitPolicy?
    /// Limit per client IP on every request, checked first.
    public var globalIPLimit: RateLimitPolicy?
    /// This process only explains denials (installed as `keygate-explain`, the ErrorDocument handler behind mod_fcgid):
    /// read-only decisions, and 404 for anything that is not an Apache error redirect.
    public var explainOnly: Bool = false

    public init(
        queryParameter: String? = nil, trustedProxies: [CIDR] = [], realm: String = "api", identityHeaders: Bool = true,
        keylessIPLimit: RateLimitPolicy? = nil, globalIPLimit: RateLimitPolicy? = nil
    ) {
        self.keylessIPLimit = keylessIPLimit
        self.globalIPLimit = globalIPLimit
        self.queryParameter = queryParameter
        self.trustedProxies = trustedProxies
        self.realm = realm
        self.identityHeaders = identityHeaders
    }
}
