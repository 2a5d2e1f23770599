import KeygateCore
import KeygateStore

extension AdminAPI {
    /// `GET /v1/admin-keys`: every admin key, revoked ones included, never a secret.
    func listAdminKeys(_ context: Context) throws -> AdminResponse {
        .json(200, .object([("admin_keys", .array(try self.store.adminKeys().map(\.json)))]))
    }

    /// `POST /v1/admin-keys` (`{"name": …, "grants": [...]}`): an admin key may give only what it has itself.
    func createAdminKey(_ context: Context) throws -> AdminResponse {
        let input = try AdminJSONInput(context.request.body, allowed: ["name", "grants"])
        let name = try input.requiredString("name")
        guard let texts = try input.strings("grants"), !texts.isEmpty else {
            throw AdminProblem.invalidField("grants", "give at least one: \(AdminGrant.help)")
        }
        var grants: [AdminGrant] = []
        for text in texts {
            guard let grant = AdminGrant(text) else {
                throw AdminProblem.invalidField("grants", "\(text): \(AdminGrant.help)")
            }
            guard context.admin.grants.cover(grant) else {
                throw AdminProblem(
                    403, "missing-grant", "Missing grant",
                    "admin key \(context.admin.id) cannot give \(text): it does not hold it itself")
            }
            if !grants.contains(grant) { grants.append(grant) }
        }
        let (key, secret) = try self.store.createAdminKey(
            name: name, grants: grants, now: context.nowSeconds, actor: context.actor)
        var fields = [("secret", JSONValue.string(secret))]
        if case .object(let keyFields) = key.json { fields = keyFields + fields }
        return .json(201, .object(fields), headers: [("Location", "/v1/admin-keys/\(key.id)")])
    }

    /// `POST /v1/admin-keys/{id}/revoke`: for good (an admin key may revoke itself).
    func revokeAdminKey(_ context: Context) throws -> AdminResponse {
        try AdminJSONInput(context.request.body, allowed: [], emptyIsEmpty: true).ignore()
        guard let key = try self.store.revokeAdminKey(id: context.id, now: context.nowSeconds, actor: context.actor)
        else { throw AdminProblem.notFound("no admin key \(context.id)") }
        return .json(200, key.json)
    }
}

extension AdminKey {
    /// The admin key as the API and `keygate admin-keys list --json` show it.
    public var json: JSONValue {
        .object([
            ("id", .string(self.id)), ("name", .string(self.name)),
            ("grants", .array(self.grants.map { .string($0.description) })),
            ("created_at", .time(self.createdAtSeconds)), ("revoked_at", .time(self.revokedAtSeconds)),
        ])
    }
}

extension Array where Element == AdminGrant {
    /// Whether these grants allow everything `grant` allows (so that giving it escalates nothing).
    func cover(_ grant: AdminGrant) -> Bool {
        for (resource, actions) in AdminGrant.actions where grant.resource == "*" || grant.resource == resource {
            for action in actions where grant.action == "*" || grant.action == action {
                if !self.allow(resource, action) { return false }
            }
        }
        return true
    }
}
