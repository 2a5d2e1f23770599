import KeygateCore

/// A ``NewKey`` validated and made canonical, with a fresh id and secret: the `keys` row to insert (all but its
/// slot) and the audit detail that records it.
package struct KeyInsertion {
    package let id: String
    /// The key itself: returned once by create, stored only as its digest.
    package let secret: String
    package let displayPrefix: String
    /// The plan the key uses, which must exist.
    package let plan: String?
    /// Every column of the `keys` row but `slot`, with its value.
    package let columns: [(name: String, value: SQLValue)]
    private let name: String
    private let limitNotes: [String]

    /// Validates `new` (``KeyValidationError`` for refused input) and draws its id and secret.
    package init(_ new: NewKey, now: Int64) throws {
        let name = try KeyFieldRules.name(new.name)
        let owner = try KeyFieldRules.owner(new.owner)
        let scopes = try KeyFieldRules.scopes(new.scopes)
        let origins = try KeyFieldRules.origins(new.allowedOrigins)
        let metadata = try KeyFieldRules.metadata(new.metadataJSON)
        let prefix = try KeyFieldRules.prefix(new.prefix)
        let expiresAtSeconds = try KeyFieldRules.newExpiry(new.expiresAtSeconds, now: now)
        let plan = try new.plan.map(LimitFieldRules.planName)
        let rateLimits = try LimitFieldRules.rateLimits(new.rateLimits ?? [])
        let quotas = try LimitFieldRules.quotas(new.quotas ?? [])
        let credits = try new.credits.map(LimitFieldRules.credits)
        self.secret = try KeyStore.randomText { APIKeyFormat.make(prefix: prefix, randomBytes: $0) }
        self.id = try KeyStore.randomText { KeyIdentifier.make(randomBytes: $0) }
        self.displayPrefix = APIKeyFormat.displayPrefix(of: self.secret)
        self.plan = plan
        self.name = name
        self.columns = [
            ("id", .text(self.id)), ("display_prefix", .text(self.displayPrefix)), ("name", .text(name)),
            ("owner", .text(owner)), ("scopes", .text(KeyRow.joined(scopes))), ("status", .text("active")),
            ("created_at", .integer(now)), ("expires_at", SQLValue(expiresAtSeconds)), ("metadata", .text(metadata)),
            ("allowed_cidrs", .text(KeyRow.joined(new.allowedNetworks))),
            ("allowed_origins", .text(KeyRow.joined(origins))),
            ("plan", plan.map { .text($0) } ?? .null), ("rate_limits", .text(PolicySpecText.joined(rateLimits))),
            ("quotas", .text(PolicySpecText.joined(quotas))), ("credits", SQLValue(credits?.initial)),
            ("credit_refill", KeyStore.refillValue(credits)),
        ]
        self.limitNotes =
            (plan.map { ["plan=\($0)"] } ?? [])
            + LimitFieldRules.notes(rateLimits: rateLimits, quotas: quotas, credits: credits)
    }

    /// The audit detail of the create, once the key has `slot`.
    package func auditDetail(slot: Int64) -> String {
        (["name=\(KeyStore.quoted(self.name)) slot=\(slot) prefix=\(self.displayPrefix)"] + self.limitNotes)
            .joined(separator: " ")
    }
}
