import KeygateCore
import KeygateStore
import Testing

/// The key change log (schema version 4): what a change to a key records, and what keygate's bookkeeping does not.
struct KeyChangesTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    @Test func bookkeepingCommitsChangeNoKey() throws {
        let store = try KeyStore(path: self.path, create: true)
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        let version = try lookup.dataVersion()
        try store.recordLastUsed([(slot: record.slot, seconds: t0 + 5)])
        try store.addUsage([(keyID: record.id, day: "2026-11-30", admitted: 3, rejected: 1)])
        try store.recordRollUp(
            usage: [(keyID: record.id, day: "2026-11-30", admitted: 1, rejected: 0)],
            snapshots: [CounterSnapshot(slot: record.slot, owner: 7, words: [1, 2], savedAtSeconds: t0)])
        try store.recordCountersFileID(42)
        #expect(try lookup.dataVersion() != version)  // commits happened
        let changes = try lookup.keyChanges(after: start)
        #expect(changes == KeyChanges(position: start))
        #expect(changes.isEmpty)
    }

    @Test func aRevokeRecordsTheKeyOnly() throws {
        let store = try KeyStore(path: self.path, create: true)
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        _ = try store.create(NewKey(name: "other"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        _ = try store.revoke(id: record.id, now: t0 + 1, actor: "a")
        let changes = try lookup.keyChanges(after: start)
        #expect(changes.keyIDs == [record.id])
        #expect(changes.digests.isEmpty)
        #expect(!changes.dropsEverything)
        #expect(changes.position.sequence == start.sequence + 1)
        #expect(try lookup.keyChanges(after: changes.position).isEmpty)
    }

    @Test func aNewSecretRecordsItsDigestSoACachedMissIsDropped() throws {
        let store = try KeyStore(path: self.path, create: true)
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        let (record, secret) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let created = try lookup.keyChanges(after: start)
        #expect(created.digests == [try digest(secret)])
        #expect(created.keyIDs == [record.id])
        let (_, rotated) = try #require(try store.rotate(id: record.id, graceSeconds: 60, now: t0 + 1, actor: "a"))
        let rotation = try lookup.keyChanges(after: created.position)
        #expect(rotation.keyIDs == [record.id])
        #expect(Set(rotation.digests) == [try digest(secret), try digest(rotated)])
    }

    @Test func aDeleteRecordsTheKeyAndItsSecrets() throws {
        let store = try KeyStore(path: self.path, create: true)
        let (record, secret) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        #expect(try store.delete(id: record.id, now: t0 + 1, actor: "a"))
        let changes = try lookup.keyChanges(after: start)
        #expect(changes.keyIDs == [record.id])
        #expect(changes.digests == [try digest(secret)])
    }

    @Test func aPlanChangeRecordsEveryKeyOnThePlan() throws {
        let store = try KeyStore(path: self.path, create: true)
        _ = try store.createPlan(name: "pro", quotas: [try QuotaPolicy.parse("100/day")], now: t0, actor: "a")
        let onPlan = try store.create(NewKey(name: "a", plan: "pro"), now: t0, actor: "a").record
        let alsoOnPlan = try store.create(NewKey(name: "b", plan: "pro"), now: t0, actor: "a").record
        _ = try store.create(NewKey(name: "c"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        _ = try store.updatePlan(name: "pro", quotas: [try QuotaPolicy.parse("5/day")], now: t0 + 1, actor: "a")
        #expect(try lookup.keyChanges(after: start).keyIDs == [onPlan.id, alsoOnPlan.id])
    }

    @Test func updatingAnyKeyColumnButLastUsedRecordsTheKey() throws {
        let store = try KeyStore(path: self.path, create: true)
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        let writer = try Connection(path: self.path, mode: .readWrite)
        let lookup = try KeyLookup(path: self.path)
        let columns = try writer.prepare("SELECT name FROM pragma_table_info('keys')")
        var names: [String] = []
        while try columns.step() { names.append(columns.text(at: 0)) }
        #expect(names.count == 19)
        for column in names {
            let before = try lookup.changePosition()
            try writer.execute("UPDATE keys SET \(column) = \(column) WHERE id = ?", [.text(record.id)])
            let changes = try lookup.keyChanges(after: before)
            if column == "last_used_at" {
                #expect(changes.isEmpty, "\(column)")
            } else {
                #expect(changes.keyIDs == [record.id], "\(column)")
            }
        }
    }

    @Test func aReaderTooFarBehindOrAheadDropsEverything() throws {
        let store = try KeyStore(path: self.path, create: true)
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        _ = try store.createMany(
            (0...Int(KeyChanges.mostRowsRead)).map { NewKey(name: "k\($0)") }, now: t0, actor: "a")
        let behind = try lookup.keyChanges(after: start)
        #expect(behind.dropsEverything)
        #expect(behind.position.sequence == start.sequence + KeyChanges.mostRowsRead + 1)
        var next = start
        next.sequence += 1
        #expect(try !lookup.keyChanges(after: next).dropsEverything)
        // A log behind the reader: the file was restored from an older copy.
        var ahead = behind.position
        ahead.sequence += 10
        #expect(try lookup.keyChanges(after: ahead) == KeyChanges(position: behind.position, dropsEverything: true))
        // Another file's log, whatever its sequence numbers.
        var other = behind.position
        other.logID &+= 1
        #expect(try lookup.keyChanges(after: other) == KeyChanges(position: behind.position, dropsEverything: true))
    }

    @Test func theLogKeepsItsLatestRowsAndAReaderPastThemDropsEverything() throws {
        let store = try KeyStore(path: self.path, create: true)
        _ = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        let writer = try Connection(path: self.path, mode: .readWrite)
        try writer.writeTransaction {
            for _ in 0..<(KeyChanges.retainedRows + 5) {
                try writer.execute("INSERT INTO key_changes (key_id) VALUES ('kid_x')")
            }
        }
        #expect(try writer.int64("SELECT count(*) FROM key_changes") == KeyChanges.retainedRows)
        #expect(try lookup.keyChanges(after: start).dropsEverything)
        var recent = try lookup.changePosition()
        #expect(recent.sequence == start.sequence + KeyChanges.retainedRows + 5)
        recent.sequence -= 3
        #expect(try lookup.keyChanges(after: recent).keyIDs == ["kid_x"])
    }

    @Test func aVersion3DatabaseGetsTheLogOnMigration() throws {
        do {
            let old = try Connection(path: self.path, mode: .create)
            try Migrations.migrate(old, toVersion: 3)
            try old.execute(
                """
                INSERT INTO keys (id, slot, display_prefix, name, scopes, status, created_at) \
                VALUES ('kid_old', 0, 'kg_versi', 'old', 'read', 'active', ?)
                """,
                [.integer(t0)])
        }
        let store = try KeyStore(path: self.path, create: false)
        let lookup = try KeyLookup(path: self.path)
        let start = try lookup.changePosition()
        #expect(start.sequence == 0)
        #expect(start.logID != 0)
        _ = try store.revoke(id: "kid_old", now: t0 + 1, actor: "a")
        #expect(try lookup.keyChanges(after: start).keyIDs == ["kid_old"])
    }
}
