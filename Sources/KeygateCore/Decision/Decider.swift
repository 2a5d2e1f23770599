/// The pure judgement of a found (or not found) key against one request, at one instant.
public enum Decider {
    /// Checks, in order: found, revoked, disabled, expired (key, then rotated-out secret), client IP, Origin, scopes.
    ///
    /// Rate limits slot in after the scope check: only a request that would otherwise be allowed consumes quota.
    public static func judge(
        _ match: SecretMatch?, request: AuthRequest, clientAddress: IPAddress?, nowSeconds: Int64
    ) -> Decision {
        let required = request.requiredScopes
        guard let match else { return Decision(.unknown, requiredScopes: required) }
        let key = match.key
        switch key.status {
        case .revoked: return Decision(.revoked, key: key, requiredScopes: required)
        case .disabled: return Decision(.disabled, key: key, requiredScopes: required)
        case .active: break
        }
        if let expires = key.expiresAtSeconds, expires <= nowSeconds {
            return Decision(.expired, key: key, requiredScopes: required)
        }
        if let retires = match.secretRetiresAtSeconds, retires <= nowSeconds {
            return Decision(.expired, key: key, requiredScopes: required)
        }
        if !key.allowedNetworks.isEmpty {
            guard let clientAddress, key.allowedNetworks.contains(where: { $0.contains(clientAddress) }) else {
                return Decision(.ipNotAllowed, key: key, requiredScopes: required)
            }
        }
        if !key.allowedOrigins.isEmpty {
            // A key restricted to origins must present one: otherwise any non-browser client could bypass the list.
            guard let origin = request.origin, key.allowedOrigins.contains(where: { originsMatch($0, origin) }) else {
                return Decision(.originNotAllowed, key: key, requiredScopes: required)
            }
        }
        if !ScopeSet.covers(key.scopes, required) {
            return Decision(.insufficientScope, key: key, requiredScopes: required)
        }
        return Decision(.allow, key: key, requiredScopes: required)
    }

    /// Origins compare case-insensitively (scheme and host are), ignoring one trailing slash.
    static func originsMatch(_ allowed: String, _ presented: String) -> Bool {
        func normal(_ text: String) -> String {
            let lowered = text.lowercased()
            return lowered.hasSuffix("/") ? String(lowered.dropLast()) : lowered
        }
        return normal(allowed) == normal(presented)
    }
}
