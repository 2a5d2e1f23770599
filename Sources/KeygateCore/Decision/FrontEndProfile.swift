/// How the answers to one front end are spelled: resolved once per HTTP listener or FastCGI role, carried on every
/// ``AuthRequest``, and read by the answer encoders, which never ask which front end it was.
public struct FrontEndProfile: Sendable, Equatable {
    /// Who asks.
    public var frontEnd: FrontEnd
    /// The status of an allowed request: 204, or exactly 200 (Envoy, Apache, `allow=200`).
    public var allowStatus: Int
    /// The status of a limit denial: 429, or 403 where the front end would turn a 429 into a 500 (nginx
    /// `auth_request`; the shipped nginx config maps 403 + `X-Keygate-Reason: rate_limited` back to a 429).
    public var limitDenyStatus: Int
    /// The names the key's identity is sent under on allow.
    public var identityNames: IdentityNames
    /// Whether a denial carries its body (FastCGI); an HTTP forward-auth answer never does: a body makes nginx drop
    /// the kept-alive upstream connection.
    public var sendsBody: Bool
    /// Whether a denial's problem JSON is also sent as `X-Keygate-Problem`, for front ends that drop or never get
    /// the body (nginx, and every HTTP listener).
    public var problemHeader: Bool
    /// Whether a denial carries its reason, challenge and problem; mod_fcgid's access checker gets only the status,
    /// since it answers every denial with 401 and leaks every header.
    public var explainsDenials: Bool
    /// The `ErrorDocument` explain pass: read-only decisions, 404 for anything but an error redirect, and an
    /// allow (a window turned over since the denial) becomes 503 "retry".
    public var isExplainPass: Bool
    /// Which rate-limit fields answers carry (an HTTP listener's `?ratelimit=`; FastCGI sends them all).
    public var rateLimitFields: RateLimitFields = .all

    /// The header names of the key's identity.
    public enum IdentityNames: Sendable, Equatable {
        /// `X-Keygate-Key-Id`, `-Key-Name`, `-Owner`, `-Scopes`: for `auth_request_set` and `copy_headers`.
        case keygate
        /// `Variable-KEYGATE_KEY_ID`, …: Apache authorizers pass them to the handler's environment.
        case apacheVariables

        /// The four names, in the order id, name, owner, scopes.
        public var names: [String] {
            switch self {
            case .keygate: ["X-Keygate-Key-Id", "X-Keygate-Key-Name", "X-Keygate-Owner", "X-Keygate-Scopes"]
            case .apacheVariables:
                [
                    "Variable-KEYGATE_KEY_ID", "Variable-KEYGATE_KEY_NAME", "Variable-KEYGATE_OWNER",
                    "Variable-KEYGATE_SCOPES",
                ]
            }
        }
    }

    /// The profile of an HTTP forward-auth listener for `frontEnd`: bodiless answers with the problem in a header;
    /// allow is `allowStatus` (204, but 200 for Envoy); a limit denial is 403 for nginx, 429 for the others.
    public static func http(
        _ frontEnd: FrontEnd, allowStatus: Int? = nil, rateLimitFields: RateLimitFields = .all
    ) -> FrontEndProfile {
        FrontEndProfile(
            frontEnd: frontEnd, allowStatus: allowStatus ?? (frontEnd == .envoy ? 200 : 204),
            limitDenyStatus: frontEnd == .nginx ? 403 : 429, identityNames: .keygate, sendsBody: false,
            problemHeader: true, explainsDenials: true, isExplainPass: false, rateLimitFields: rateLimitFields)
    }

    /// The profile of a FastCGI request from `frontEnd` (``FrontEnd/nginx`` for a RESPONDER, or an Apache role);
    /// `limitDenyStatus` comes from the `KEYGATE_DENY_STATUS` param (429 unless it says 403).
    public static func fastCGI(_ frontEnd: FrontEnd, limitDenyStatus: Int = 429) -> FrontEndProfile {
        switch frontEnd {
        case .apacheAuthorizer, .apacheAccessChecker:
            return FrontEndProfile(
                frontEnd: frontEnd, allowStatus: 200, limitDenyStatus: limitDenyStatus,
                identityNames: .apacheVariables, sendsBody: true, problemHeader: false,
                explainsDenials: frontEnd == .apacheAuthorizer, isExplainPass: false)
        case .apacheExplain:
            return FrontEndProfile(
                frontEnd: frontEnd, allowStatus: 503, limitDenyStatus: limitDenyStatus, identityNames: .keygate,
                sendsBody: true, problemHeader: false, explainsDenials: true, isExplainPass: true)
        case .nginx, .caddy, .traefik, .envoy:
            return FrontEndProfile(
                frontEnd: frontEnd, allowStatus: 204, limitDenyStatus: limitDenyStatus, identityNames: .keygate,
                sendsBody: true, problemHeader: true, explainsDenials: true, isExplainPass: false)
        }
    }
}
