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
        try self.updatingKey(id: id, change, now: now, actor: actor)
    }

    /// Revokes key `id` for good and returns it; `nil` for an unknown id.
    ///
    /// The secret rows stay, so that a worker can tell "revoked" from "unknown". Revoking a revoked key changes
    /// nothing and records nothing.
    public func revoke(id: String, now: Int64, actor: String) throws -> KeyRecord? {
        try self.revokingKey(id: id, now: now, actor: actor)
    }

    /// Gives key `id` a new current secret and returns it; `nil` for an unknown id.
    ///
    /// The previous current secret keeps working until `now + graceSeconds`; older rotated-out secrets keep their
    /// end time, cut to `now + graceSeconds` if later, and those already past their end are deleted. The new secret
    /// uses the key's existing prefix. A revoked key cannot be rotated (``KeyValidationError``).
    public func rotate(
        id: String, graceSeconds: Int64, now: Int64, actor: String
    ) throws -> (record: KeyRecord, secret: String)? {
        try self.rotatingKey(id: id, graceSeconds: graceSeconds, now: now, actor: actor)
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
