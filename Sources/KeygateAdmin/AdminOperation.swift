/// Every operation the admin listener serves: its method, path pattern and the grant it needs. The OpenAPI document
/// (``AdminOpenAPI``) describes exactly these (a test compares the two), and anything else is a 404 or a 405.
enum AdminOperation: String, CaseIterable, Sendable {
    case openAPI, console, consoleScript, consoleStyle
    case listKeys, createKey, getKey, updateKey, deleteKey, rotateKey, revokeKey, keyUsage, keyLimits, verifyKey
    case listAudit
    case listPlans, createPlan, updatePlan, deletePlan
    case decisionCounts
    case listAdminKeys, createAdminKey, revokeAdminKey

    var method: String {
        switch self {
        case .openAPI, .console, .consoleScript, .consoleStyle, .listKeys, .getKey, .keyUsage, .keyLimits, .listAudit,
            .listPlans, .listAdminKeys, .decisionCounts:
            "GET"
        case .createKey, .rotateKey, .revokeKey, .createAdminKey, .revokeAdminKey, .verifyKey, .createPlan: "POST"
        case .updateKey, .updatePlan: "PATCH"
        case .deleteKey, .deletePlan: "DELETE"
        }
    }

    /// The path, `{name}` standing for one segment.
    var pattern: String {
        switch self {
        case .openAPI: "/openapi.json"
        case .console: "/"
        case .consoleScript: "/console.js"
        case .consoleStyle: "/console.css"
        case .listKeys, .createKey: "/v1/keys"
        case .getKey, .updateKey, .deleteKey: "/v1/keys/{id}"
        case .rotateKey: "/v1/keys/{id}/rotate"
        case .revokeKey: "/v1/keys/{id}/revoke"
        case .keyUsage: "/v1/keys/{id}/usage"
        case .keyLimits: "/v1/keys/{id}/limits"
        case .verifyKey: "/v1/keys/verify"
        case .listAudit: "/v1/audit"
        case .listPlans, .createPlan: "/v1/plans"
        case .updatePlan, .deletePlan: "/v1/plans/{name}"
        case .decisionCounts: "/v1/decisions"
        case .listAdminKeys, .createAdminKey: "/v1/admin-keys"
        case .revokeAdminKey: "/v1/admin-keys/{id}/revoke"
        }
    }

    /// The grant an admin key needs (`nil`: none: the document and the console's files are public, the console asks
    /// for an admin key and sends it with each API call).
    var grant: (resource: String, action: String)? {
        switch self {
        case .openAPI, .console, .consoleScript, .consoleStyle: nil
        case .listKeys, .getKey, .keyLimits: ("keys", "read")
        case .createKey: ("keys", "create")
        case .updateKey: ("keys", "update")
        case .deleteKey: ("keys", "delete")
        case .rotateKey: ("keys", "rotate")
        case .revokeKey: ("keys", "revoke")
        case .keyUsage: ("usage", "read")
        case .verifyKey: ("keys", "verify")
        case .listAudit: ("audit", "read")
        case .listPlans: ("plans", "read")
        case .createPlan: ("plans", "create")
        case .updatePlan: ("plans", "update")
        case .deletePlan: ("plans", "delete")
        case .decisionCounts: ("metrics", "read")
        case .listAdminKeys: ("admin-keys", "read")
        case .createAdminKey: ("admin-keys", "create")
        case .revokeAdminKey: ("admin-keys", "revoke")
        }
    }

    /// The operation `method` and `path` name, with the path's `{id}`; a path no operation has gives
    /// `.notFound`, a known path with another method `.methodNotAllowed` with the methods it has.
    static func matching(method: String, path: String) -> Match {
        var allowed: [String] = []
        for operation in Self.allCases {
            guard let id = Self.match(pattern: operation.pattern, path: path) else { continue }
            if operation.method == method || (method == "HEAD" && operation.method == "GET") {
                return .found(operation, id: id)
            }
            allowed.append(operation.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    enum Match: Equatable {
        case found(AdminOperation, id: String?)
        case notFound
        case methodNotAllowed([String])
    }

    /// `.some(id)` (or `.some(nil)` for a pattern without one) when `path` has `pattern`'s shape.
    private static func match(pattern: String, path: String) -> String?? {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let pathParts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard patternParts.count == pathParts.count else { return nil }
        var id: String?
        for (expected, actual) in zip(patternParts, pathParts) {
            if expected.hasPrefix("{") {
                guard !actual.isEmpty else { return nil }
                id = String(actual)
            } else if expected != actual {
                return nil
            }
        }
        return .some(id)
    }
}
