/// What keygate concluded about one request. Every outcome is a value, never an error.
public enum Outcome: String, Sendable, CaseIterable {
    case allow
    /// No key in `Authorization: Bearer`, `X-API-Key` or the enabled query parameter.
    case missing
    /// Something key-like that fails the format or checksum (never reaches the database).
    case malformed
    /// Well-formed, but no key has this secret.
    case unknown
    /// The key, or this rotated-out secret of it, is past its expiry.
    case expired
    case revoked
    case disabled
    case ipNotAllowed = "ip_not_allowed"
    case originNotAllowed = "origin_not_allowed"
    case insufficientScope = "insufficient_scope"
    /// A rate limit, quota or credit balance of the key does not admit the request (nothing was consumed).
    case rateLimited = "rate_limited"
    /// The key store could not be read (locked past the timeout, missing, corrupt): fail closed.
    case storeUnavailable = "store_unavailable"
    /// The key has limits but the shared counters cannot be used (disabled, full, or a slot's lease stuck): fail closed.
    case limitsUnavailable = "limits_unavailable"

    /// The HTTP status family of the outcome: 401 for credential problems, 403 for policy, 500 for keygate's own failure.
    public var httpStatus: Int {
        switch self {
        case .allow: return 200
        case .missing, .malformed, .unknown, .expired, .revoked, .disabled: return 401
        case .ipNotAllowed, .originNotAllowed, .insufficientScope: return 403
        case .rateLimited: return 429
        case .storeUnavailable: return 500
        case .limitsUnavailable: return 503
        }
    }

    /// A short human sentence for logs and problem bodies; never contains a key.
    public var title: String {
        switch self {
        case .allow: return "Allowed"
        case .missing: return "No API key was sent"
        case .malformed: return "The API key is malformed"
        case .unknown: return "The API key is not valid"
        case .expired: return "The API key has expired"
        case .revoked: return "The API key has been revoked"
        case .disabled: return "The API key is disabled"
        case .ipNotAllowed: return "The API key may not be used from this address"
        case .originNotAllowed: return "The API key may not be used from this origin"
        case .insufficientScope: return "The API key lacks a required scope"
        case .rateLimited: return "Request cannot be satisfied as assigned quota has been exceeded"
        case .storeUnavailable: return "The key store is unavailable"
        case .limitsUnavailable: return "The rate-limit counters are unavailable"
        }
    }
}

/// An outcome plus what the answer needs: the key (when one was found) and the scopes the route required.
public struct Decision: Sendable, Equatable {
    public var outcome: Outcome
    public var key: KeyRecord?
    public var requiredScopes: [String]
    /// How the key's limits judged the request, when it has limits and got that far.
    public var limits: PolicySetEvaluation?
    /// The policies `limits` evaluated, when they are not the key's own (per-IP limits).
    public var limitPolicies: PolicySet?

    public init(
        _ outcome: Outcome, key: KeyRecord? = nil, requiredScopes: [String] = [], limits: PolicySetEvaluation? = nil
    ) {
        self.outcome = outcome
        self.key = key
        self.requiredScopes = requiredScopes
        self.limits = limits
    }
}
