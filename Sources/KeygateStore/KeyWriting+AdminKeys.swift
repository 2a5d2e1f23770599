import KeygateCore
import KeygateCrypto

/// Admin keys and the admin API's idempotency records, written once for both stores like keys and plans.
extension KeyWriting {
    static var adminKeyColumns: String { "id, name, grants, created_at, revoked_at" }

    /// Creates an admin key with `grants` and returns it with its secret, which is never shown again.
    package func creatingAdminKey(
        name: String, grants: [AdminGrant], now: Int64, actor: String
    ) throws -> (key: AdminKey, secret: String) {
        guard !name.isEmpty, name.utf8.count <= 200, !name.contains(where: { $0.isNewline }) else {
            throw KeyValidationError(field: "name", reason: "must be 1 to 200 bytes on one line")
        }
        guard !grants.isEmpty else {
            throw KeyValidationError(field: "grant", reason: "give at least one: \(AdminGrant.help)")
        }
        let hasher = try SHA256Hasher()
        let secret = try KeyStore.randomText { APIKeyFormat.make(prefix: AdminKey.secretPrefix, randomBytes: $0) }
        let random = try KeyStore.randomText { KeyIdentifier.make(randomBytes: $0) }
        let id = AdminKey.idPrefix + random.dropFirst(KeyIdentifier.prefix.count)
        let grantText = grants.map(\.description).joined(separator: " ")
        try self.inWriteTransaction {
            try self.write(
                "INSERT INTO admin_keys (id, name, digest, grants, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
                [.text(id), .text(name), .blob(hasher.digest(secret).bytes), .text(grantText), .integer(now)])
            try self.appendingAudit(
                now: now, actor: actor, action: "admin-key-create", keyID: nil,
                detail: "admin_key=\(id) name=\(KeyStore.quoted(name)) grants=\(KeyStore.quoted(grantText))")
        }
        let key = AdminKey(id: id, name: name, grants: grants, createdAtSeconds: now, revokedAtSeconds: nil)
        return (key, secret)
    }

    /// Every admin key, oldest first.
    package func listingAdminKeys() throws -> [AdminKey] {
        try self.textRows("SELECT \(Self.adminKeyColumns) FROM admin_keys ORDER BY created_at, id", [], columns: 5)
            .compactMap(Self.adminKey)
    }

    /// The admin key whose secret has SHA-256 digest `digest`, revoked or not; `nil` when none has.
    package func findingAdminKey(digest: KeyDigest) throws -> AdminKey? {
        try self.textRows(
            "SELECT \(Self.adminKeyColumns) FROM admin_keys WHERE digest = ?1", [.blob(digest.bytes)], columns: 5
        ).first.flatMap(Self.adminKey)
    }

    /// Revokes admin key `id` for good and returns it; `nil` for an unknown id.
    package func revokingAdminKey(id: String, now: Int64, actor: String) throws -> AdminKey? {
        try self.inWriteTransaction { () throws -> AdminKey? in
            let query = "SELECT \(Self.adminKeyColumns) FROM admin_keys WHERE id = ?1"
            guard let key = try self.textRows(query, [.text(id)], columns: 5).first.flatMap(Self.adminKey) else {
                return nil
            }
            if key.revokedAtSeconds != nil { return key }
            try self.write("UPDATE admin_keys SET revoked_at = ?1 WHERE id = ?2", [.integer(now), .text(id)])
            try self.appendingAudit(
                now: now, actor: actor, action: "admin-key-revoke", keyID: nil, detail: "admin_key=\(id)")
            return try self.textRows(query, [.text(id)], columns: 5).first.flatMap(Self.adminKey)
        }
    }

    /// The idempotency record of `idempotencyKey` for admin key `adminKeyID`, or `nil`.
    package func findingIdempotency(adminKeyID: String, idempotencyKey: String) throws -> AdminIdempotencyRecord? {
        let rows = try self.textRows(
            """
            SELECT result_id, created_at, request_digest FROM admin_idempotency
            WHERE admin_key_id = ?1 AND idempotency_key = ?2
            """, [.text(adminKeyID), .text(idempotencyKey)], columns: 3)
        guard let row = rows.first, let result = row[0], let created = row[1].flatMap({ Int64($0) }),
            let digest = row[2]
        else { return nil }
        return AdminIdempotencyRecord(requestDigest: digest, resultID: result, createdAtSeconds: created)
    }

    /// Remembers that `idempotencyKey` of admin key `adminKeyID` made `record.resultID`; records older than
    /// `retainSeconds` are dropped on the way.
    package func recordingIdempotency(
        adminKeyID: String, idempotencyKey: String, _ record: AdminIdempotencyRecord, retainSeconds: Int64
    ) throws {
        try self.write(
            "DELETE FROM admin_idempotency WHERE created_at < ?1", [.integer(record.createdAtSeconds - retainSeconds)])
        try self.write(
            """
            INSERT INTO admin_idempotency (admin_key_id, idempotency_key, request_digest, result_id, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5)
            """,
            [
                .text(adminKeyID), .text(idempotencyKey), .text(record.requestDigest), .text(record.resultID),
                .integer(record.createdAtSeconds),
            ])
    }

    /// One `admin_keys` row (``adminKeyColumns``); `nil` for a row this build cannot read.
    static func adminKey(_ row: [String?]) -> AdminKey? {
        guard row.count == 5, let id = row[0], let name = row[1], let grantText = row[2],
            let created = row[3].flatMap({ Int64($0) })
        else { return nil }
        let grants = grantText.split(separator: " ").compactMap { AdminGrant(String($0)) }
        return AdminKey(
            id: id, name: name, grants: grants, createdAtSeconds: created,
            revokedAtSeconds: row[4].flatMap { Int64($0) })
    }
}
