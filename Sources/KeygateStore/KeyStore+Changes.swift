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
        let assignments = try change.assignments()
        return try self.connection.writeTransaction { () throws -> KeyRecord? in
            guard let record = try self.find(id: id) else { return nil }
            guard !assignments.isEmpty else { return record }
            if let plan = assignments.plan ?? nil { try self.requirePlan(named: plan) }
            try assignments.requireAllowed(on: record)
            try self.connection.execute(
                "UPDATE keys SET \(assignments.columns.map { "\($0.name) = ?" }.joined(separator: ", ")) WHERE id = ?",
                assignments.columns.map(\.value) + [.text(id)])
            try self.appendAudit(
                now: now, actor: actor, action: "update", keyID: id, detail: assignments.notes.joined(separator: " "))
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
