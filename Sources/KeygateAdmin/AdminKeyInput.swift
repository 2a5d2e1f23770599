import KeygateCore
import KeygateStore

/// The admin API's key bodies turned into the store's ``NewKey`` and ``KeyUpdate``, with the CLI's vocabulary
/// (`"limits": ["100/s"]`, `"quotas": ["1000000/month"]`, `"expires": "90d"`) and its rules; every mistake is a 400
/// naming the field.
enum AdminKeyInput {
    static let createFields: Set<String> = [
        "name", "owner", "scopes", "expires", "metadata", "allowed_ips", "allowed_origins", "prefix", "plan",
        "limits", "quotas", "credits",
    ]
    static let updateFields: Set<String> = [
        "name", "owner", "scopes", "expires", "metadata", "allowed_ips", "allowed_origins", "status", "plan",
        "limits", "quotas", "credits",
    ]

    static func newKey(_ body: [UInt8], nowSeconds: Int64) throws(AdminProblem) -> NewKey {
        let input = try AdminJSONInput(body, allowed: Self.createFields)
        let name = try input.requiredString("name")
        guard name.contains(where: { $0 != " " }) else { throw AdminProblem.invalidField("name", "must not be empty") }
        let prefix = (try input.text("prefix")) ?? APIKeyFormat.defaultPrefix
        guard APIKeyFormat.isValidPrefix(prefix) else {
            throw AdminProblem.invalidField(
                "prefix", "use 2-24 characters of a-z, 0-9 and _, starting with a letter and ending in _")
        }
        let expires = try input.string("expires", nullable: true) ?? nil
        return NewKey(
            name: name, owner: (try input.text("owner")) ?? "", scopes: try Self.scopes(input) ?? [],
            expiresAtSeconds: try expires.map { (text) throws(AdminProblem) in try Self.expiry(text, now: nowSeconds) },
            metadataJSON: try Self.metadata(input) ?? "{}", allowedNetworks: try Self.networks(input) ?? [],
            allowedOrigins: try Self.origins(input) ?? [], prefix: prefix, plan: try input.text("plan"),
            rateLimits: try Self.rateLimits(input), quotas: try Self.quotas(input),
            credits: try Self.credits(input) ?? nil)
    }

    static func update(_ body: [UInt8], nowSeconds: Int64) throws(AdminProblem) -> KeyUpdate {
        let input = try AdminJSONInput(body, allowed: Self.updateFields)
        var update = KeyUpdate()
        if let name = try input.text("name") {
            guard name.contains(where: { $0 != " " }) else {
                throw AdminProblem.invalidField("name", "must not be empty")
            }
            update.name = name
        }
        update.owner = try input.text("owner")
        update.scopes = try Self.scopes(input)
        if let expires = try input.string("expires", nullable: true) {
            update.expiresAtSeconds = .some(
                try expires.map { (text) throws(AdminProblem) in try Self.expiry(text, now: nowSeconds) })
        }
        update.metadataJSON = try Self.metadata(input)
        update.allowedNetworks = try Self.networks(input)
        update.allowedOrigins = try Self.origins(input)
        if let status = try input.text("status") {
            switch status {
            case "active": update.status = .active
            case "disabled": update.status = .disabled
            default:
                throw AdminProblem.invalidField(
                    "status", "\(status): use active or disabled (revoke with POST /v1/keys/{id}/revoke)")
            }
        }
        if let plan = try input.string("plan", nullable: true) { update.plan = .some(plan) }
        update.rateLimits = try Self.rateLimits(input)
        update.quotas = try Self.quotas(input)
        update.credits = try Self.credits(input)
        guard !update.isEmpty else {
            throw AdminProblem.badRequest(
                "nothing to change: give at least one of \(Self.updateFields.sorted().joined(separator: ", "))")
        }
        return update
    }

    private static func scopes(_ input: AdminJSONInput) throws(AdminProblem) -> [String]? {
        guard let scopes = try input.strings("scopes") else { return nil }
        var unique: [String] = []
        for scope in scopes {
            guard ScopeSet.isValid(scope) else {
                throw AdminProblem.invalidField(
                    "scopes", "\(scope): scopes are 1-64 characters of letters, digits and : . _ - / *")
            }
            if !unique.contains(scope) { unique.append(scope) }
        }
        return unique
    }

    private static func expiry(_ text: String, now: Int64) throws(AdminProblem) -> Int64 {
        if let seconds = DurationSpec.seconds(text) { return now + seconds }
        if let absolute = Timestamp.parse(text) {
            guard absolute > now else { throw AdminProblem.invalidField("expires", "\(text) is in the past") }
            return absolute
        }
        throw AdminProblem.invalidField(
            "expires", "\(text): use a duration (30m, 12h, 90d, 2w) or a UTC date (2027-01-31 or 2027-01-31T12:00:00Z)")
    }

    private static func metadata(_ input: AdminJSONInput) throws(AdminProblem) -> String? {
        guard let object = try input.object("metadata") ?? nil else { return nil }
        return AdminJSONInput.Value.object(object).jsonValue.text
    }

    private static func networks(_ input: AdminJSONInput) throws(AdminProblem) -> [CIDR]? {
        guard let values = try input.strings("allowed_ips") else { return nil }
        var networks: [CIDR] = []
        for text in values {
            guard let network = CIDR(text) else {
                throw AdminProblem.invalidField(
                    "allowed_ips", "\(text): not an address or network (e.g. 203.0.113.7, 10.0.0.0/8; host bits zero)")
            }
            networks.append(network)
        }
        return networks
    }

    private static func origins(_ input: AdminJSONInput) throws(AdminProblem) -> [String]? {
        guard let values = try input.strings("allowed_origins") else { return nil }
        var origins: [String] = []
        for text in values {
            guard let origin = AllowedOrigin.normalized(text) else {
                throw AdminProblem.invalidField(
                    "allowed_origins", "\(text): an origin is scheme://host[:port], e.g. https://app.example.com")
            }
            origins.append(origin)
        }
        return origins
    }

    static func rateLimits(_ input: AdminJSONInput) throws(AdminProblem) -> [RateLimitPolicy]? {
        try Self.policies(input, "limits") { spec throws(LimitSpecError) in try RateLimitPolicy.parse(spec) }
    }

    static func quotas(_ input: AdminJSONInput) throws(AdminProblem) -> [QuotaPolicy]? {
        try Self.policies(input, "quotas") { spec throws(LimitSpecError) in try QuotaPolicy.parse(spec) }
    }

    /// Field `field`, an array of limit specs, each parsed by `parse` (the CLI's `--limit` / `--quota` vocabulary).
    private static func policies<Policy>(
        _ input: AdminJSONInput, _ field: String, _ parse: (String) throws(LimitSpecError) -> Policy
    ) throws(AdminProblem) -> [Policy]? {
        guard let specs = try input.strings(field) else { return nil }
        var policies: [Policy] = []
        for spec in specs {
            do { policies.append(try parse(spec)) } catch {
                throw AdminProblem.invalidField(field, "\(spec): \(error)")
            }
        }
        return policies
    }

    /// `credits`: absent `nil`; `null` `.some(nil)` (the plan's apply); `{"initial": N, "refill": "N/month"}`.
    static func credits(_ input: AdminJSONInput) throws(AdminProblem) -> CreditPolicy?? {
        guard let object = try input.object("credits", nullable: true) else { return nil }
        guard let object else { return .some(nil) }
        let credits = try AdminJSONInput.nested(object, field: "credits", allowed: ["initial", "refill"])
        guard let initial = try credits.integer("initial") else {
            throw AdminProblem.invalidField("credits.initial", "is required")
        }
        do {
            return .some(try CreditPolicy.parse(initial: "\(initial)", refill: try credits.text("refill")))
        } catch let problem as AdminProblem {
            throw problem
        } catch {
            throw AdminProblem.invalidField("credits", "\(error)")
        }
    }
}
