import KeygateCore
import KeygateStore

/// Admin keys and idempotency records in PostgreSQL: the shared code of ``KeygateStore/KeyWriting``.
extension PostgresKeyStore {
    public func update(
        id: String, _ change: KeyUpdate, now: Int64, actor: String, precondition: (KeyRecord) throws -> Void
    ) throws -> KeyRecord? {
        try self.updatingKey(id: id, change, now: now, actor: actor, precondition: precondition)
    }

    public func createAdminKey(name: String, grants: [AdminGrant], now: Int64, actor: String) throws -> (
        key: AdminKey, secret: String
    ) {
        try self.creatingAdminKey(name: name, grants: grants, now: now, actor: actor)
    }

    public func adminKeys() throws -> [AdminKey] { try self.listingAdminKeys() }

    public func adminKey(digest: KeyDigest) throws -> AdminKey? { try self.findingAdminKey(digest: digest) }

    public func revokeAdminKey(id: String, now: Int64, actor: String) throws -> AdminKey? {
        try self.revokingAdminKey(id: id, now: now, actor: actor)
    }

    public func idempotencyRecord(adminKeyID: String, idempotencyKey: String) throws -> AdminIdempotencyRecord? {
        try self.findingIdempotency(adminKeyID: adminKeyID, idempotencyKey: idempotencyKey)
    }

    public func recordIdempotency(
        adminKeyID: String, idempotencyKey: String, _ record: AdminIdempotencyRecord, retainSeconds: Int64
    ) throws {
        try self.recordingIdempotency(
            adminKeyID: adminKeyID, idempotencyKey: idempotencyKey, record, retainSeconds: retainSeconds)
    }
}
