extension AuthRequest {
    /// Reads a forward-auth request from an HTTP/1.1 head, the way `style`'s front end sends it.
    ///
    /// - The original request: `X-Original-URI`/`-Method` from nginx, `X-Forwarded-Uri`/`-Method` from Caddy and
    ///   Traefik, the request line itself from Envoy (or when the front end sent no such header).
    /// - The client address: only from the listener's client-IP header. Its rightmost entry is the address the front
    ///   end saw (the peer); entries left of it count only through `--trust-proxy`, as with FastCGI's `REMOTE_ADDR`.
    ///   Without the header the client is unknown: per-IP limits skip the request and network allowlists fail closed.
    /// - The route's needs: `X-Keygate-Scope` and `X-Keygate-Cost`, which the front end's configuration must set or
    ///   clear (the shipped nginx config forwards only the headers it lists; the Caddyfile overwrites both).
    public init(http head: __shared HTTPRequestHead, style: __shared ForwardAuthStyle) {
        let uri: String
        let method: String
        switch style.frontEnd {
        case .nginx:
            uri = head[.xOriginalURI] ?? head.target
            method = head[.xOriginalMethod] ?? head.method
        case .caddy, .traefik:
            uri = head[.xForwardedURI] ?? head.target
            method = head[.xForwardedMethod] ?? head.method
        case .envoy, .apacheAuthorizer, .apacheAccessChecker, .apacheExplain:
            uri = head.target
            method = head.method
        }
        var remote: String? = nil
        var forwarded: String? = nil
        if let chain = head[style.clientIPHeader], !chain.isEmpty {
            if let comma = Self.lastComma(in: chain) {
                remote = String(KeyExtraction.trimmingOWS(chain[chain.utf8.index(after: comma)...]))
                forwarded = String(chain[..<comma])
            } else {
                remote = chain
            }
        }
        self.init(
            authorization: head[.authorization],
            apiKeyHeader: head[.xAPIKey],
            uri: uri,
            method: method,
            remoteAddress: remote,
            forwardedFor: forwarded,
            origin: head[.origin],
            requiredScopes: head[.xKeygateScope].map { ScopeSet.parse($0) } ?? [],
            profile: style.profile,
            cost: head[.xKeygateCost].flatMap { try? PolicySet.parseCost($0) } ?? 1)
        self.requestID = head[.xRequestID]
    }

    /// The index of the last `,` in `text`, searching a native string's bytes in place.
    private static func lastComma(in text: String) -> String.Index? {
        let comma = UInt8(ascii: ",")
        guard let offset = text.utf8.withContiguousStorageIfAvailable({ $0.lastIndex(of: comma) }) else {
            return text.utf8.lastIndex(of: comma)
        }
        return offset.map { text.utf8.index(text.utf8.startIndex, offsetBy: $0) }
    }
}
