import KeygateCore
import KeygateStore

extension AdminAPI {
    /// `POST /v1/plans` (`{"name":"pro","limits":["100/s"],"quotas":["1000000/month"],"credits":{…}}`).
    func createPlan(_ context: Context) throws -> AdminResponse {
        let input = try AdminJSONInput(context.request.body, allowed: ["name", "limits", "quotas", "credits"])
        let name = try input.requiredString("name")
        let plan = try self.store.createPlan(
            name: name, rateLimits: try AdminKeyInput.rateLimits(input) ?? [],
            quotas: try AdminKeyInput.quotas(input) ?? [], credits: try AdminKeyInput.credits(input) ?? nil,
            now: context.nowSeconds, actor: context.actor)
        return .json(201, Self.json(plan), headers: [("Location", "/v1/plans/\(plan.name)")])
    }

    /// `PATCH /v1/plans/{name}`: each of `limits`, `quotas`, `credits` given replaces the plan's (`credits: null`
    /// removes them); keys on the plan follow at once.
    func updatePlan(_ context: Context) throws -> AdminResponse {
        let input = try AdminJSONInput(context.request.body, allowed: ["limits", "quotas", "credits"])
        let rateLimits = try AdminKeyInput.rateLimits(input)
        let quotas = try AdminKeyInput.quotas(input)
        let credits = try AdminKeyInput.credits(input)
        guard rateLimits != nil || quotas != nil || credits != nil else {
            throw AdminProblem.badRequest("nothing to change: give limits, quotas or credits")
        }
        guard
            let plan = try self.store.updatePlan(
                name: context.id, rateLimits: rateLimits, quotas: quotas, credits: credits, now: context.nowSeconds,
                actor: context.actor)
        else { throw AdminProblem.notFound("no plan \(context.id)") }
        return .json(200, Self.json(plan))
    }

    /// `DELETE /v1/plans/{name}`: 204; a plan some key is on is refused (400 naming the field).
    func deletePlan(_ context: Context) throws -> AdminResponse {
        guard try self.store.deletePlan(name: context.id, now: context.nowSeconds, actor: context.actor) else {
            throw AdminProblem.notFound("no plan \(context.id)")
        }
        return AdminResponse(status: 204)
    }

    static func json(_ plan: Plan) -> JSONValue {
        .object([
            ("name", .string(plan.name)), ("policies", plan.policies.json),
            ("created_at", .time(plan.createdAtSeconds)),
        ])
    }
}
