import KeygateCore
import KeygateStore

extension AdminAPI {
    /// The profile verify answers in: allow 200, a limit denial a real 429, every RateLimit field, identity headers.
    static let verifyProfile = FrontEndProfile.http(.caddy, allowStatus: 200, rateLimitFields: .all)

    /// `POST /v1/keys/verify` (`{"key": "kg_…", "scopes": ["reports:read"], "cost": 1, "ip": "203.0.113.7"}`): the
    /// gate's decision for a request with that key, spending from its limits, quotas and credits and counting in its
    /// usage exactly as a request through nginx would, for apps that do not sit behind a web server. The answer is 200
    /// with the decision as a value (`valid`, `outcome`, the `status` and `headers` a forward-auth client would get);
    /// an API error only when the request itself is wrong.
    func verify(_ context: Context) throws -> AdminResponse {
        guard let verifier = self.verifier else {
            throw AdminProblem(503, "verify-off", "Verify unavailable", "this admin server has no decision path")
        }
        let input = try AdminJSONInput(context.request.body, allowed: ["key", "scopes", "cost", "ip", "origin"])
        let secret = try input.requiredString("key")
        var scopes: [String] = []
        for scope in try input.strings("scopes") ?? [] {
            guard ScopeSet.isValid(scope) else {
                throw AdminProblem.invalidField(
                    "scopes", "\(scope): scopes are 1-64 characters of letters, digits and : . _ - / *")
            }
            scopes.append(scope)
        }
        let cost = try input.integer("cost") ?? 1
        guard (1...1_000_000).contains(cost) else { throw AdminProblem.invalidField("cost", "use 1 to 1000000") }
        let ip = try input.text("ip")
        if let ip, IPAddress(ip) == nil { throw AdminProblem.invalidField("ip", "\(ip) is not an IP address") }
        let request = AuthRequest(
            apiKeyHeader: secret, uri: "/", method: "POST", remoteAddress: ip ?? context.request.remoteAddress,
            origin: try input.text("origin"), requiredScopes: scopes, profile: Self.verifyProfile, cost: cost)
        let (decision, answer) = verifier(request, context.nowMicros)
        let headers = answer.headers.map { ($0.name, JSONValue.string($0.value)) }
        return .json(
            200,
            .object([
                ("valid", .bool(decision.outcome == .allow)), ("outcome", .string(decision.outcome.rawValue)),
                ("status", .int(Int64(answer.status))), ("key_id", decision.key.map { .string($0.id) } ?? .null),
                ("owner", decision.key.map { .string($0.owner) } ?? .null), ("headers", .object(headers)),
            ]))
    }
}
