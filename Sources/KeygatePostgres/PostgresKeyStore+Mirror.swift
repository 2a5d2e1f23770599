import KeygateStore

extension PostgresKeyStore {
    /// The key changes after `version`, oldest first, at most `limit`: each key's row with its plan and secrets as
    /// they are now, and each deleted key's tombstone.
    ///
    /// Read in one repeatable-read transaction, so rows and secrets agree. Versions come in commit order, because
    /// every keygate writer holds the writer lock from before its first version until its commit: a mirror that
    /// applied through version N never misses a change numbered N or less. A key changed twice appears once, at its
    /// latest version.
    public func changes(afterVersion version: Int64, limit: Int) throws -> [KeyMirrorChange] {
        let keyColumns = MirroredKey.columnNames.map { "k.\($0)" }.joined(separator: ", ")
        let planColumns = MirroredKey.planColumnNames.map { "p.\($0)" }.joined(separator: ", ")
        let tombstoneNulls = Array(repeating: "NULL", count: MirroredKey.columnNames.count + 6).joined(separator: ", ")
        return try self.connection.transaction { () throws -> [KeyMirrorChange] in
            try self.connection.execute(script: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let rows = try self.connection.query(
                """
                SELECT * FROM (
                    SELECT k.id AS change_id, k.version, false AS deleted, \(keyColumns), \(planColumns)
                    FROM keys AS k LEFT JOIN plans AS p ON p.name = k.plan WHERE k.version > $1
                    UNION ALL
                    SELECT d.id, d.version, true, \(tombstoneNulls) FROM key_deletions AS d WHERE d.version > $1
                ) AS changes ORDER BY version LIMIT $2
                """,
                [.integer(version), .integer(Int64(max(limit, 0)))]
            ).rows
            let ids = rows.filter { $0.text(at: 2) == "f" }.map { $0.text(at: 0) }
            var secrets: [String: [MirroredSecret]] = [:]
            if !ids.isEmpty {
                let found = try self.connection.query(
                    """
                    SELECT key_id, digest, created_at, retires_at FROM key_secrets
                    WHERE key_id = ANY(string_to_array($1, ' ')) ORDER BY key_id, created_at
                    """,
                    [.text(ids.joined(separator: " "))])
                for row in found.rows {
                    secrets[row.text(at: 0), default: []].append(
                        MirroredSecret(
                            digest: row.bytes(at: 1), createdAtSeconds: row.int64(at: 2),
                            retiresAtSeconds: row.optionalInt64(at: 3)))
                }
            }
            return rows.map { row in
                let id = row.text(at: 0)
                guard row.text(at: 2) == "f" else {
                    return KeyMirrorChange(id: id, version: row.int64(at: 1), key: nil)
                }
                let first = Int32(3)
                let values = MirroredKey.columnNames.enumerated().map { column in
                    row.value(
                        at: first + Int32(column.offset), integer: MirroredKey.integerColumns.contains(column.element))
                }
                let planFirst = first + Int32(MirroredKey.columnNames.count)
                let plan =
                    row.isNull(at: planFirst)
                    ? nil
                    : MirroredKey.planColumnNames.enumerated().map { column in
                        row.value(
                            at: planFirst + Int32(column.offset),
                            integer: MirroredKey.integerPlanColumns.contains(column.element))
                    }
                return KeyMirrorChange(
                    id: id, version: row.int64(at: 1),
                    key: MirroredKey(values: values, plan: plan, secrets: secrets[id] ?? []))
            }
        }
    }

    /// Subscribes this store's connection to key-change notifications (`kg_keys`); read them with
    /// ``keyNotifications(timeoutMillis:)``.
    public func listen() throws(PostgresError) {
        try self.connection.listen(PostgresSchema.keyChannel)
    }

    /// The key changes notified since the last call, as (key id, version), waiting up to `timeoutMillis` for the
    /// first. A notification says only that something changed: read ``changes(afterVersion:limit:)`` for what.
    public func keyNotifications(timeoutMillis: Int32) throws(PostgresError) -> [(id: String, version: Int64)] {
        try self.connection.notifications(timeoutMillis: timeoutMillis).compactMap { notification in
            guard notification.channel == PostgresSchema.keyChannel,
                let colon = notification.payload.lastIndex(of: ":"),
                let version = Int64(notification.payload[notification.payload.index(after: colon)...])
            else { return nil }
            return (String(notification.payload[..<colon]), version)
        }
    }
}
