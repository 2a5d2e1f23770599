public import KeygateCore
public import KeygateStore

extension PostgresKeyStore {
    /// Totals sent in one statement (5 parameters each, well under PostgreSQL's 65,535).
    static let totalsPerStatement = 1_000

    public func addUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws {
        try KeyStore.requireUsage(rows)
        guard !rows.isEmpty else { return }
        try self.connection.transaction {
            for row in rows {
                try self.connection.query(
                    """
                    INSERT INTO usage_daily (key_id, day, admitted, rejected) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (key_id, day) DO UPDATE SET
                        admitted = usage_daily.admitted + excluded.admitted,
                        rejected = usage_daily.rejected + excluded.rejected
                    """,
                    [.text(row.keyID), .text(row.day), .integer(row.admitted), .integer(row.rejected)])
            }
        }
    }

    /// Key `keyID`'s counts per day, oldest first: the rows of `usage_daily` plus the sum of every host's totals.
    public func usage(keyID: String, sinceDay: String?) throws -> [UsageDay] {
        if let sinceDay { try KeyStore.requireDay(sinceDay) }
        return try self.connection.query(
            """
            SELECT day, sum(admitted)::bigint, sum(rejected)::bigint FROM (
                SELECT day, admitted, rejected FROM usage_daily WHERE key_id = $1 AND ($2::text IS NULL OR day >= $2)
                UNION ALL
                SELECT day, admitted, rejected FROM host_usage_daily
                WHERE key_id = $1 AND ($2::text IS NULL OR day >= $2)
            ) AS counts GROUP BY day ORDER BY day
            """, [.text(keyID), sinceDay.map { .text($0) } ?? .null]
        ).rows.map { UsageDay(day: $0.text(at: 0), admitted: $0.int64(at: 1), rejected: $0.int64(at: 2)) }
    }

    /// Key `keyID`'s counts per day and source, oldest day first, the rows of `usage_daily` (host `nil`) before the
    /// hosts' by name: what ``usage(keyID:sinceDay:)`` adds up.
    public func usageByHost(keyID: String, sinceDay: String?) throws -> [HostUsageDay] {
        if let sinceDay { try KeyStore.requireDay(sinceDay) }
        return try self.connection.query(
            """
            SELECT day, NULL::text AS host, admitted, rejected FROM usage_daily
            WHERE key_id = $1 AND ($2::text IS NULL OR day >= $2)
            UNION ALL
            SELECT day, host, admitted, rejected FROM host_usage_daily
            WHERE key_id = $1 AND ($2::text IS NULL OR day >= $2)
            ORDER BY day, host NULLS FIRST
            """, [.text(keyID), sinceDay.map { .text($0) } ?? .null]
        ).rows.map {
            HostUsageDay(
                host: $0.optionalText(at: 1),
                usage: UsageDay(day: $0.text(at: 0), admitted: $0.int64(at: 2), rejected: $0.int64(at: 3)))
        }
    }

    /// Stores host `host`'s `totals` in one transaction, keeping per column the larger of what is stored and what is
    /// sent: a total sent again, late or out of order changes nothing. No writer lock (the merge commutes), so a
    /// host's agent never queues behind an administrator's command.
    public func storeHostTotals(host: String, _ totals: [UsageTotal]) throws {
        try KeyStore.requireUsage(totals.map { ($0.keyID, $0.day, $0.admitted, $0.rejected) })
        guard !totals.isEmpty else { return }
        try self.connection.transaction {
            var start = 0
            while start < totals.count {
                let chunk = totals[start..<min(start + Self.totalsPerStatement, totals.count)]
                var rows: [String] = []
                var values: [SQLValue] = []
                for total in chunk {
                    let first = values.count + 1
                    rows.append(
                        "($\(first), $\(first + 1), $\(first + 2), $\(first + 3)::bigint, $\(first + 4)::bigint)")
                    values += [
                        .text(total.keyID), .text(total.day), .text(host), .integer(total.admitted),
                        .integer(total.rejected),
                    ]
                }
                try self.connection.query(
                    """
                    INSERT INTO host_usage_daily (key_id, day, host, admitted, rejected) VALUES \(rows.joined(separator: ", "))
                    ON CONFLICT (key_id, day, host) DO UPDATE SET
                        admitted = GREATEST(host_usage_daily.admitted, excluded.admitted),
                        rejected = GREATEST(host_usage_daily.rejected, excluded.rejected)
                    """, values)
                start += chunk.count
            }
        }
    }
}
