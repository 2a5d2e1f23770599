extension KeyStore {
    /// The `keygate_state` row holding the last version ``applyMirror(_:throughVersion:)`` applied.
    static let mirroredVersionName = "mirrored_version"

    /// The last version of the shared store this file mirrors (0 before the first ``applyMirror(_:throughVersion:)``):
    /// ask the shared store for the changes after it to resume.
    public func mirroredVersion() throws(StoreError) -> Int64 {
        try self.connection.int64(
            "SELECT value FROM keygate_state WHERE name = ?", [.text(Self.mirroredVersionName)]) ?? 0
    }

    /// Applies `changes` (in version order) and records `version` as mirrored, all in one transaction.
    ///
    /// A deleted key is deleted with its secrets; any other key is inserted or updated with its plan, and its secrets
    /// replaced. A key already here keeps its slot, so its counters stay its own; a new key takes the shared store's
    /// slot when it is free here, else the smallest free one. Each host's `last_used_at` is kept. Nothing is audited:
    /// the shared store audited the change. The change-log triggers run, so workers' caches follow.
    public func applyMirror(_ changes: [KeyMirrorChange], throughVersion version: Int64) throws {
        try self.connection.writeTransaction {
            for change in changes {
                guard let key = change.key else {
                    try self.connection.execute("DELETE FROM keys WHERE id = ?", [.text(change.id)])
                    continue
                }
                if let plan = key.plan { try self.upsert(into: "plans", MirroredKey.planColumnNames, plan) }
                var values = key.values
                if let slot = try self.connection.int64("SELECT slot FROM keys WHERE id = ?", [.text(change.id)]) {
                    values[1] = .integer(slot)
                } else if try self.keyID(forSlot: Int(key.slot)) != nil {
                    values[1] = .integer(try self.connection.int64(Self.freeSlotSQL) ?? 0)
                }
                try self.upsert(into: "keys", MirroredKey.columnNames, values, keeping: ["slot"])
                try self.connection.execute("DELETE FROM key_secrets WHERE key_id = ?", [.text(change.id)])
                for secret in key.secrets {
                    try self.connection.execute(
                        "INSERT INTO key_secrets (digest, key_id, created_at, retires_at) VALUES (?, ?, ?, ?)",
                        [
                            .blob(secret.digest), .text(change.id), .integer(secret.createdAtSeconds),
                            SQLValue(secret.retiresAtSeconds),
                        ])
                }
            }
            try self.connection.execute(
                """
                INSERT INTO keygate_state (name, value) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """,
                [.text(Self.mirroredVersionName), .integer(version)])
        }
    }

    /// Inserts a row of `names` (the first is the key) or updates every other column but `keeping`.
    private func upsert(into table: String, _ names: [String], _ values: [SQLValue], keeping: Set<String> = []) throws {
        let settings = names.dropFirst().filter { !keeping.contains($0) }.map { "\($0) = excluded.\($0)" }
        try self.connection.execute(
            """
            \(Self.insertion(into: table, names)) \
            ON CONFLICT (\(names[0])) DO UPDATE SET \(settings.joined(separator: ", "))
            """,
            values)
    }
}
