/// The header fields keygate reads; every other field is validated and skipped.
///
/// A request head keeps one value per field inline (``HTTPRequestHead``); the scanner finds duplicates with one bit per
/// `rawValue`.
public enum HTTPReadField: Int, CaseIterable, Sendable {
    case host
    case authorization
    case xAPIKey
    case xOriginalURI
    case xOriginalMethod
    case xOriginalHost
    case xForwardedURI
    case xForwardedMethod
    case xForwardedHost
    case xForwardedProto
    case xForwardedFor
    case xRealIP
    case origin
    case xKeygateScope
    case xKeygateCost
    /// A request id the front end made up (nginx `$request_id`), for log lines.
    case xRequestID
    /// What a scrape of the metrics listener accepts (Prometheus' text format or OpenMetrics).
    case accept

    /// Whether a head may carry the field more than once (the first is read): true only for fields no decision
    /// reads, so that a client's repeated `Accept` never turns into a 400 when a front end forwards every header.
    public var mayRepeat: Bool { self == .accept || self == .xRequestID }

    /// The canonical spelling, as nginx, Caddy and Traefik write it.
    public var name: String {
        switch self {
        case .host: "Host"
        case .authorization: "Authorization"
        case .xAPIKey: "X-Api-Key"
        case .xOriginalURI: "X-Original-URI"
        case .xOriginalMethod: "X-Original-Method"
        case .xOriginalHost: "X-Original-Host"
        case .xForwardedURI: "X-Forwarded-Uri"
        case .xForwardedMethod: "X-Forwarded-Method"
        case .xForwardedHost: "X-Forwarded-Host"
        case .xForwardedProto: "X-Forwarded-Proto"
        case .xForwardedFor: "X-Forwarded-For"
        case .xRealIP: "X-Real-IP"
        case .origin: "Origin"
        case .xKeygateScope: "X-Keygate-Scope"
        case .xKeygateCost: "X-Keygate-Cost"
        case .xRequestID: "X-Request-ID"
        case .accept: "Accept"
        }
    }
}
