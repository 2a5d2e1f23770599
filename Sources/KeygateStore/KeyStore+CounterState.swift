extension KeyStore {
    /// `keygate_state` name under which the id of the paired counters file is kept.
    static let countersFileIDName = "counters_file_id"

    /// The id of the counters file this database counts with, or `nil` if none was recorded yet.
    ///
    /// Opens `path` read-only, so that a database this process may not write can still be checked.
    public static func recordedCountersFileID(path: String) throws -> UInt64? {
        let connection = try Connection(path: path, mode: .readOnly)
        try Migrations.requireCurrent(connection)
        return try connection.int64(
            "SELECT value FROM keygate_state WHERE name = ?", [.text(Self.countersFileIDName)]
        ).map { UInt64(bitPattern: $0) }
    }

    /// Records `fileID` as the counters file this database counts with (replacing any earlier one).
    public func recordCountersFileID(_ fileID: UInt64) throws {
        try self.connection.execute(
            "INSERT OR REPLACE INTO keygate_state (name, value) VALUES (?, ?)",
            [.text(Self.countersFileIDName), .integer(Int64(bitPattern: fileID))])
    }

    /// Adds `usage` to `usage_daily` and stores `snapshots` (one per slot, replacing older ones), in one transaction:
    /// a roll-up is stored whole or not at all.
    public func recordRollUp(
        usage: [(keyID: String, day: String, admitted: Int64, rejected: Int64)], snapshots: [CounterSnapshot]
    ) throws {
        try Self.requireUsage(usage)
        guard !usage.isEmpty || !snapshots.isEmpty else { return }
        try self.connection.writeTransaction {
            try self.insertUsage(usage)
            let statement = try self.connection.prepare(
                "INSERT OR REPLACE INTO counter_snapshots (slot, owner, words, saved_at) VALUES (?, ?, ?, ?)")
            for snapshot in snapshots {
                try statement.bind([
                    .integer(Int64(snapshot.slot)), .integer(Int64(bitPattern: snapshot.owner)),
                    .blob(Self.bytes(of: snapshot.words)), .integer(snapshot.savedAtSeconds),
                ])
                try statement.run()
                statement.reset()
            }
        }
    }

    /// Every stored snapshot, by slot, with the id of the key in that slot now.
    public func counterSnapshots() throws -> [CounterSnapshot] {
        let statement = try self.connection.prepare(
            """
            SELECT s.slot, s.owner, s.words, s.saved_at, k.id FROM counter_snapshots AS s \
            LEFT JOIN keys AS k ON k.slot = s.slot ORDER BY s.slot
            """)
        var snapshots: [CounterSnapshot] = []
        while try statement.step() {
            snapshots.append(
                CounterSnapshot(
                    slot: Int(statement.int64(at: 0)), owner: UInt64(bitPattern: statement.int64(at: 1)),
                    words: Self.words(of: statement.blob(at: 2)), savedAtSeconds: statement.int64(at: 3),
                    currentKeyID: statement.optionalText(at: 4)))
        }
        return snapshots
    }

    /// Little-endian bytes of `words`.
    static func bytes(of words: [UInt64]) -> [UInt8] {
        words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
    }

    /// Words from little-endian `bytes` (a trailing partial word is ignored).
    static func words(of bytes: [UInt8]) -> [UInt64] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { start in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * $1) }
        }
    }
}
