/// How one HTTP listener talks to its front end: where the original request is read from, what "allow" looks like,
/// and how a limit denial is spelled. Set per listener: `--listen http://127.0.0.1:9000?for=envoy`.
public struct ForwardAuthStyle: Sendable, Equatable, CustomStringConvertible {
    /// The front end: ``FrontEnd/nginx`` (original request in `X-Original-URI`/`-Method`; a 429 would become a
    /// 500, so a limit denial is 403 + `X-Keygate-Reason: rate_limited`, which the shipped config maps to a true
    /// 429), ``FrontEnd/caddy`` and ``FrontEnd/traefik`` (`X-Forwarded-Uri`/`-Method`; denials are relayed, so a
    /// real 429), or ``FrontEnd/envoy`` (the request line is the original request; allow must be exactly 200).
    public let frontEnd: FrontEnd
    /// 204, or 200 (with `Content-Length: 0`); Envoy allows on 200 only.
    public let allowStatus: Int
    /// The header the front end puts the client address in (its rightmost entry is the address the proxy saw).
    public let clientIPHeader: HTTPReadField
    /// How this listener's answers are spelled, resolved once here and carried on each request.
    public let profile: FrontEndProfile

    /// The style of a listener for `frontEnd`, one of ``FrontEnd/httpFrontEnds``.
    public init(
        frontEnd: FrontEnd = .nginx, allowStatus: Int? = nil, clientIPHeader: HTTPReadField = .xForwardedFor,
        rateLimitFields: RateLimitFields = .all
    ) {
        precondition(FrontEnd.httpFrontEnds.contains(frontEnd), "\(frontEnd) is not an HTTP front end")
        self.frontEnd = frontEnd
        self.profile = .http(frontEnd, allowStatus: allowStatus, rateLimitFields: rateLimitFields)
        self.allowStatus = self.profile.allowStatus
        self.clientIPHeader = clientIPHeader
    }

    /// The status a limit denial gets on this listener.
    public var limitDenyStatus: Int { self.profile.limitDenyStatus }

    /// Parses the query part of an `http://` listen address: `for=nginx|caddy|traefik|envoy`, `allow=204|200`,
    /// `client-ip=x-forwarded-for|x-real-ip`, `ratelimit=all|ietf|none`, joined with `&`. An empty string gives the
    /// nginx defaults.
    public static func parse(_ query: Substring) -> Result<ForwardAuthStyle, ConfigurationError> {
        var frontEnd = FrontEnd.nginx
        var allow: Int? = nil
        var clientIP = HTTPReadField.xForwardedFor
        var rateLimitFields = RateLimitFields.all
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts.first.map(String.init) ?? ""
            let value = parts.count == 2 ? String(parts[1]).lowercased() : ""
            switch name {
            case "for":
                guard let found = FrontEnd(rawValue: value), FrontEnd.httpFrontEnds.contains(found) else {
                    return .failure(
                        ConfigurationError("listener option for=\(value): use nginx, caddy, traefik or envoy"))
                }
                frontEnd = found
            case "allow":
                guard value == "200" || value == "204" else {
                    return .failure(ConfigurationError("listener option allow=\(value): use 204 or 200"))
                }
                allow = Int(value)
            case "client-ip":
                switch value {
                case "x-forwarded-for": clientIP = .xForwardedFor
                case "x-real-ip": clientIP = .xRealIP
                default:
                    return .failure(
                        ConfigurationError("listener option client-ip=\(value): use x-forwarded-for or x-real-ip"))
                }
            case "ratelimit":
                guard let fields = RateLimitFields(rawValue: value) else {
                    return .failure(
                        ConfigurationError(
                            "listener option ratelimit=\(value): use all (every rate-limit field), ietf (RateLimit and "
                                + "RateLimit-Policy only) or none"))
                }
                rateLimitFields = fields
            default:
                return .failure(
                    ConfigurationError(
                        "unknown listener option '\(name)': use for=, allow=, client-ip= or ratelimit= (e.g. ?for=envoy)"
                    ))
            }
        }
        if frontEnd == .envoy && allow == 204 {
            return .failure(ConfigurationError("listener option allow=204 with for=envoy: Envoy allows on 200 only"))
        }
        return .success(
            ForwardAuthStyle(
                frontEnd: frontEnd, allowStatus: allow, clientIPHeader: clientIP, rateLimitFields: rateLimitFields))
    }

    /// The canonical query form, e.g. `for=envoy&allow=200&client-ip=x-forwarded-for` (no commas or spaces), with
    /// `&ratelimit=` when not all fields are sent.
    public var description: String {
        let clientIP = self.clientIPHeader == .xRealIP ? "x-real-ip" : "x-forwarded-for"
        let fields = self.profile.rateLimitFields
        let rateLimit = fields == .all ? "" : "&ratelimit=\(fields.rawValue)"
        return "for=\(self.frontEnd.rawValue)&allow=\(self.allowStatus)&client-ip=\(clientIP)\(rateLimit)"
    }
}
