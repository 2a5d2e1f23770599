import KeygateCore

/// The columns a ``KeyUpdate`` sets, validated and canonical, with the audit notes that describe them.
package struct KeyAssignments {
    /// Each changed column of `keys` and its new value, in the order of ``KeyUpdate``'s properties.
    package var columns: [(name: String, value: SQLValue)] = []
    /// One note per changed property, for the audit detail.
    package var notes: [String] = []
    /// The new plan when the update changes it (`.some(nil)`: off plans); it must exist.
    package var plan: String?? = nil

    /// True when nothing changes.
    package var isEmpty: Bool { self.columns.isEmpty }

    /// Throws ``KeyValidationError`` if `record` may not take these changes: a revoked key stays revoked.
    package func requireAllowed(on record: KeyRecord) throws(KeyValidationError) {
        if self.columns.contains(where: { $0.name == "status" }) && record.status == .revoked {
            throw KeyValidationError(field: "status", reason: "\(record.id) is revoked; a revoked key stays revoked")
        }
    }
}

extension KeyUpdate {
    /// The validated columns and audit notes of this change; throws ``KeyValidationError`` for refused input,
    /// including status `.revoked` (revoking goes through revoke).
    package func assignments() throws -> KeyAssignments {
        var assignments = KeyAssignments()
        func set(_ column: String, _ value: SQLValue, note: String) {
            assignments.columns.append((column, value))
            assignments.notes.append(note)
        }
        if let name = self.name {
            let name = try KeyFieldRules.name(name)
            set("name", .text(name), note: "name=\(KeyStore.quoted(name))")
        }
        if let owner = self.owner {
            let owner = try KeyFieldRules.owner(owner)
            set("owner", .text(owner), note: "owner=\(KeyStore.quoted(owner))")
        }
        if let scopes = self.scopes {
            let scopes = KeyRow.joined(try KeyFieldRules.scopes(scopes))
            set("scopes", .text(scopes), note: "scopes=\(KeyStore.quoted(scopes))")
        }
        if let expiresAtSeconds = self.expiresAtSeconds {
            let note = "expires_at=\(expiresAtSeconds.map(String.init) ?? "none")"
            set("expires_at", SQLValue(expiresAtSeconds), note: note)
        }
        if let metadataJSON = self.metadataJSON {
            set("metadata", .text(try KeyFieldRules.metadata(metadataJSON)), note: "metadata")
        }
        if let networks = self.allowedNetworks {
            let networks = KeyRow.joined(networks)
            set("allowed_cidrs", .text(networks), note: "networks=\(KeyStore.quoted(networks))")
        }
        if let origins = self.allowedOrigins {
            let origins = KeyRow.joined(try KeyFieldRules.origins(origins))
            set("allowed_origins", .text(origins), note: "origins=\(KeyStore.quoted(origins))")
        }
        if let status = self.status {
            guard status != .revoked else {
                throw KeyValidationError(
                    field: "status", reason: "use revoke to revoke a key; update sets active or disabled")
            }
            set("status", .text(status.rawValue), note: "status=\(status.rawValue)")
        }
        let plan = try self.plan.map { name throws in try name.map(LimitFieldRules.planName) }
        assignments.plan = plan
        if let plan {
            set("plan", plan.map { .text($0) } ?? .null, note: "plan=\(plan ?? "none")")
        }
        if let rateLimits = try self.rateLimits.map(LimitFieldRules.rateLimits) {
            set("rate_limits", .text(PolicySpecText.joined(rateLimits)), note: LimitFieldRules.note(rateLimits))
        }
        if let quotas = try self.quotas.map(LimitFieldRules.quotas) {
            set("quotas", .text(PolicySpecText.joined(quotas)), note: LimitFieldRules.note(quotas))
        }
        if let credits = try self.credits.map({ credits throws in try credits.map(LimitFieldRules.credits) }) {
            set("credits", SQLValue(credits?.initial), note: LimitFieldRules.note(credits))
            assignments.columns.append(("credit_refill", KeyStore.refillValue(credits)))
        }
        return assignments
    }
}
