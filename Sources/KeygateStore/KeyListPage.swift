public import KeygateCore

/// One page of keys in creation order, filtered in the database: what `GET /v1/keys` reads, so that a page costs
/// its own rows and never a read of every key.
public struct KeyListPage: Sendable {
    /// Which keys by status: `nil` every key but revoked ones (as `keygate keys list`), otherwise those statuses.
    public var statuses: [KeyStatus]?
    public var owner: String?
    /// Keys whose name starts with this (compared by Unicode scalars).
    public var namePrefix: String?
    /// The page starts after this key (its creation time and id, from the previous page's last key); a key deleted
    /// since still marks the place by its time.
    public var after: (createdAtSeconds: Int64, id: String)?
    /// At most this many keys.
    public var limit: Int

    public init(
        statuses: [KeyStatus]? = nil, owner: String? = nil, namePrefix: String? = nil,
        after: (createdAtSeconds: Int64, id: String)? = nil, limit: Int
    ) {
        self.statuses = statuses
        self.owner = owner
        self.namePrefix = namePrefix
        self.after = after
        self.limit = limit
    }

    /// The page's query over ``KeyRow/source`` for a database whose parameters are written `placeholder(n)` (n from
    /// 1) and whose keys' insertion order is column `order` of `keys` (SQLite's `rowid`, PostgreSQL's `ordinal`).
    package func query(placeholder: (Int) -> String, order: String) -> (sql: String, values: [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        func parameter(_ value: SQLValue) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        if let statuses = self.statuses {
            let list = statuses.map { parameter(.text($0.rawValue)) }
            conditions.append(list.isEmpty ? "0 = 1" : "k.status IN (\(list.joined(separator: ", ")))")
        } else {
            conditions.append("k.status <> 'revoked'")
        }
        if let owner = self.owner { conditions.append("k.owner = \(parameter(.text(owner)))") }
        if let prefix = self.namePrefix, !prefix.isEmpty {
            let length = parameter(.integer(Int64(prefix.unicodeScalars.count)))
            conditions.append("substr(k.name, 1, \(length)) = \(parameter(.text(prefix)))")
        }
        if let after = self.after {
            // A row value, compared in order by both databases; SQLite walks its creation-time index from it.
            let time = parameter(.integer(after.createdAtSeconds))
            let id = parameter(.text(after.id))
            conditions.append(
                "(k.created_at, k.\(order)) > (\(time), (SELECT \(order) FROM keys WHERE id = \(id)))")
        }
        let limit = parameter(.integer(Int64(max(self.limit, 0))))
        return (
            "SELECT \(KeyRow.columns) FROM \(KeyRow.source) WHERE \(conditions.joined(separator: " AND ")) "
                + "ORDER BY k.created_at, k.\(order) LIMIT \(limit)",
            values
        )
    }
}
