public import KeygateCore

extension KeyStore {
    /// Adds request counts to `usage_daily`, in one transaction; counts for a key and day already there grow.
    ///
    /// Not audited: workers report usage, administrators do not make it. `day` must be `YYYY-MM-DD` (UTC) and the
    /// counts must not be negative (``KeyValidationError``); rows for unknown keys are kept like any other.
    public func addUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws {
        try Self.requireUsage(rows)
        guard !rows.isEmpty else { return }
        try self.connection.writeTransaction { try self.insertUsage(rows) }
    }

    /// Throws ``KeyValidationError`` unless every row has a `YYYY-MM-DD` day and counts that are not negative.
    package static func requireUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws {
        for row in rows {
            try Self.requireDay(row.day)
            guard row.admitted >= 0, row.rejected >= 0 else {
                throw KeyValidationError(field: "usage", reason: "counts for \(row.day) must not be negative")
            }
        }
    }

    /// Adds `rows` to `usage_daily`; call inside a write transaction.
    func insertUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws {
        let statement = try self.connection.prepare(
            """
            INSERT INTO usage_daily (key_id, day, admitted, rejected) VALUES (?, ?, ?, ?)
            ON CONFLICT (key_id, day) DO UPDATE SET
                admitted = admitted + excluded.admitted, rejected = rejected + excluded.rejected
            """)
        for row in rows {
            try statement.bind([.text(row.keyID), .text(row.day), .integer(row.admitted), .integer(row.rejected)])
            try statement.run()
            statement.reset()
        }
    }

    /// Key `keyID`'s counts per day, oldest first, from `sinceDay` (`YYYY-MM-DD`, inclusive) or all when `nil`.
    public func usage(keyID: String, sinceDay: String?) throws -> [UsageDay] {
        if let sinceDay { try Self.requireDay(sinceDay) }
        let statement = try self.connection.prepare(
            """
            SELECT day, admitted, rejected FROM usage_daily WHERE key_id = ?1 AND (?2 IS NULL OR day >= ?2) \
            ORDER BY day
            """)
        try statement.bind([.text(keyID), sinceDay.map { .text($0) } ?? .null])
        var days: [UsageDay] = []
        while try statement.step() {
            days.append(
                UsageDay(
                    day: statement.text(at: 0), admitted: statement.int64(at: 1), rejected: statement.int64(at: 2)))
        }
        return days
    }

    /// Every key's counts per day from `sinceDay` (`YYYY-MM-DD`, inclusive), by key and day: this file's totals,
    /// which a host's agent sends to the shared store.
    public func usageTotals(sinceDay: String) throws -> [UsageTotal] {
        try Self.requireDay(sinceDay)
        let statement = try self.connection.prepare(
            "SELECT key_id, day, admitted, rejected FROM usage_daily WHERE day >= ?1 ORDER BY key_id, day")
        try statement.bind([.text(sinceDay)])
        var totals: [UsageTotal] = []
        while try statement.step() {
            totals.append(
                UsageTotal(
                    keyID: statement.text(at: 0), day: statement.text(at: 1), admitted: statement.int64(at: 2),
                    rejected: statement.int64(at: 3)))
        }
        return totals
    }

    /// Throws ``KeyValidationError`` unless `day` has the shape `YYYY-MM-DD`, so that days sort as text.
    package static func requireDay(_ day: String) throws(KeyValidationError) {
        let bytes = Array(day.utf8)
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            bytes.indices.allSatisfy({ $0 == 4 || $0 == 7 || isDigit(bytes[$0]) })
        else {
            throw KeyValidationError(field: "day", reason: "\"\(day)\" is not a UTC day in the form YYYY-MM-DD")
        }
    }
}
