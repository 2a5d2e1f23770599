import KeygateCore
import KeygateCrypto

extension KeyStore {
    /// Applies `change` to key `id` and returns the key as stored; `nil` for an unknown id.
    ///
    /// An empty change returns the key without writing or auditing. Setting status `.revoked`, or changing the
    /// status of a revoked key, throws ``KeyValidationError``: revoking is final and goes through
    /// ``revoke(id:now:actor:)``. A new plan must exist; new limits replace all of the key's own limits of that
    /// kind, under the same rules as ``create(_:now:actor:)``.
    public func update(id: String, _ change: KeyUpdate, now: Int64, actor: String) throws -> KeyRecord? {
        var assignments: [String] = []
        var values: [SQLValue] = []
        var changed: [String] = []
        func set(_ column: String, _ value: SQLValue, note: String) {
            assignments.append("\(column) = ?")
            values.append(value)
            changed.append(note)
        }
        if let name = change.name {
            let name = try KeyFieldRules.name(name)
            set("name", .text(name), note: "name=\(Self.quoted(name))")
        }
        if let owner = change.owner {
            let owner = try KeyFieldRules.owner(owner)
            set("owner", .text(owner), note: "owner=\(Self.quoted(owner))")
        }
        if let scopes = change.scopes {
            let scopes = KeyRow.joined(try KeyFieldRules.scopes(scopes))
            set("scopes", .text(scopes), note: "scopes=\(Self.quoted(scopes))")
        }
        if let expiresAtSeconds = change.expiresAtSeconds {
            let note = "expires_at=\(expiresAtSeconds.map(String.init) ?? "none")"
            set("expires_at", SQLValue(expiresAtSeconds), note: note)
        }
        if let metadataJSON = change.metadataJSON {
            set("metadata", .text(try KeyFieldRules.metadata(metadataJSON)), note: "metadata")
        }
        if let networks = change.allowedNetworks {
            let networks = KeyRow.joined(networks)
            set("allowed_cidrs", .text(networks), note: "networks=\(Self.quoted(networks))")
        }
        if let origins = change.allowedOrigins {
            let origins = KeyRow.joined(try KeyFieldRules.origins(origins))
            set("allowed_origins", .text(origins), note: "origins=\(Self.quoted(origins))")
        }
        if let status = change.status {
            guard status != .revoked else {
                throw KeyValidationError(
                    field: "status", reason: "use revoke to revoke a key; update sets active or disabled")
            }
            set("status", .text(status.rawValue), note: "status=\(status.rawValue)")
        }
        let plan = try change.plan.map { name throws in try name.map(LimitFieldRules.planName) }
        if let plan {
            set("plan", plan.map { .text($0) } ?? .null, note: "plan=\(plan ?? "none")")
        }
        if let rateLimits = try change.rateLimits.map(LimitFieldRules.rateLimits) {
            set("rate_limits", .text(PolicySpecText.joined(rateLimits)), note: LimitFieldRules.note(rateLimits))
        }
        if let quotas = try change.quotas.map(LimitFieldRules.quotas) {
            set("quotas", .text(PolicySpecText.joined(quotas)), note: LimitFieldRules.note(quotas))
        }
        if let credits = try change.credits.map({ credits throws in try credits.map(LimitFieldRules.credits) }) {
            set("credits", SQLValue(credits?.initial), note: LimitFieldRules.note(credits))
            assignments.append("credit_refill = ?")
            values.append(credits.flatMap { PolicySpecText.spec($0.refill) }.map { .text($0) } ?? .null)
        }
        return try self.connection.writeTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard !assignments.isEmpty else { return record }
            if let plan = plan ?? nil { try self.requirePlan(named: plan) }
            if change.status != nil && record.status == .revoked {
                throw KeyValidationError(field: "status", reason: "\(id) is revoked; a revoked key stays revoked")
            }
            try self.connection.execute(
                "UPDATE keys SET \(assignments.joined(separator: ", ")) WHERE id = ?", values + [.text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "update", keyID: id, detail: changed.joined(separator: " "))
            return try self.find(id: id)
        }
    }

    /// Revokes key `id` for good and returns it; `nil` for an unknown id.
    ///
    /// The secret rows stay, so that a worker can tell "revoked" from "unknown". Revoking a revoked key changes
    /// nothing and records nothing.
    public func revoke(id: String, now: Int64, actor: String) throws -> KeyRecord? {
        try self.connection.writeTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else { return record }
            try self.connection.execute(
                "UPDATE keys SET status = 'revoked', revoked_at = ? WHERE id = ?", [.integer(now), .text(id)])
            try self.appendAudit(now: now, actor: actor, action: "revoke", keyID: id, detail: "was=\(record.status)")
            return try self.find(id: id)
        }
    }

    /// Gives key `id` a new current secret and returns it; `nil` for an unknown id.
    ///
    /// The previous current secret keeps working until `now + graceSeconds`; older rotated-out secrets keep their
    /// end time, cut to `now + graceSeconds` if later, and those already past their end are deleted. The new secret
    /// uses the key's existing prefix. A revoked key cannot be rotated (``KeyValidationError``).
    public func rotate(
        id: String, graceSeconds: Int64, now: Int64, actor: String
    ) throws -> (record: KeyRecord, secret: String)? {
        let grace = try KeyFieldRules.grace(graceSeconds)
        let (retiresAt, overflow) = now.addingReportingOverflow(grace)
        let previousRetiresAt = overflow ? Int64.max : retiresAt
        let hasher = try SHA256Hasher()
        return try self.connection.writeTransaction { () throws -> (record: KeyRecord, secret: String)? in
            guard let record = try self.find(id: id) else { return nil }
            guard record.status != .revoked else {
                throw KeyValidationError(field: "status", reason: "\(id) is revoked; create a new key instead")
            }
            let prefix = APIKeyFormat.prefix(ofDisplayPrefix: record.displayPrefix) ?? APIKeyFormat.defaultPrefix
            let secret = try Self.randomText { APIKeyFormat.make(prefix: prefix, randomBytes: $0) }
            let displayPrefix = APIKeyFormat.displayPrefix(of: secret)
            try self.connection.execute(
                "DELETE FROM key_secrets WHERE key_id = ? AND retires_at <= ?", [.text(id), .integer(now)])
            try self.connection.execute(
                """
                UPDATE key_secrets SET retires_at = min(coalesce(retires_at, ?1), ?1) WHERE key_id = ?2
                """,
                [.integer(previousRetiresAt), .text(id)])
            try self.connection.execute(
                "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES (?, ?, ?, NULL)",
                [.blob(hasher.digest(secret).bytes), .text(id), .integer(now)])
            try self.connection.execute(
                "UPDATE keys SET display_prefix = ? WHERE id = ?", [.text(displayPrefix), .text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "rotate", keyID: id,
                detail: "prefix=\(displayPrefix) previous=\(record.displayPrefix) retires_at=\(previousRetiresAt)")
            return (try self.find(id: id)!, secret)
        }
    }

    /// Raises the last-used time of the key in each slot to `seconds` (never lowers it), in one transaction.
    ///
    /// Called with batches gathered from workers; records no audit entry. Free slots are ignored.
    public func recordLastUsed(_ entries: [(slot: Int, seconds: Int64)]) throws {
        guard !entries.isEmpty else { return }
        try self.connection.writeTransaction {
            let statement = try self.connection.prepare(
                "UPDATE keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE slot = ?")
            for entry in entries {
                try statement.bind([.integer(entry.seconds), .integer(Int64(entry.slot))])
                try statement.run()
                statement.reset()
            }
        }
    }
}
