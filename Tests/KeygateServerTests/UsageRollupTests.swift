import Glibc
import KeygateCore
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging
import Testing

/// Roll-ups store usage and the words a rebuild restores, and nothing from a counters file that was lost.
struct UsageRollupTests {
    let now: Int64 = 1_800_000_000_000_000
    let policies = PolicySet(credits: CreditPolicy(initial: 10))

    func setUp() throws -> (db: String, counters: String, key: KeyRecord, store: KeyStore) {
        let db = temporaryPath("keygate-rollup") + ".db"
        let store = try KeyStore(path: db, create: true)
        let key = try store.create(NewKey(name: "a"), now: self.now / 1_000_000, actor: "t").record
        return (db, temporaryPath("keygate-rollup"), key, store)
    }

    /// Admits `count` requests of `key` through `table`.
    func spend(_ table: CounterTable, _ key: KeyRecord, _ count: Int) {
        for _ in 0..<count {
            _ = table.admit(
                slot: key.slot, owner: CounterTable.fingerprint(of: key.id), policies: self.policies, cost: 1,
                nowMicros: self.now)
        }
    }

    func cleanUp(_ db: String, _ counters: String) {
        for path in [db, db + "-wal", db + "-shm", counters, counters + ".rollup"] { unlink(path) }
    }

    @Test func aRollUpStoresUsageAndTheSlotsSnapshot() throws {
        let (db, counters, key, store) = try self.setUp()
        defer { self.cleanUp(db, counters) }
        let table = try CounterTable(path: counters, capacity: 8)
        self.spend(table, key, 3)
        let rollup = try #require(UsageRollup(databasePath: db, counters: table, logger: Logger(label: "test")))
        #expect(rollup.run(nowSeconds: self.now / 1_000_000) == .rolledUp)
        #expect(try store.usage(keyID: key.id, sinceDay: nil).map(\.admitted) == [3])
        let snapshot = try #require(try store.counterSnapshots().first)
        #expect(snapshot.slot == key.slot && snapshot.currentKeyID == key.id)
        #expect(snapshot.owner == CounterTable.fingerprint(of: key.id))
        #expect(snapshot.words == table.policySnapshot(slot: key.slot)?.words)
    }

    @Test func aLostCountersFileIsNotRolledUp() throws {
        let (db, counters, key, store) = try self.setUp()
        defer { self.cleanUp(db, counters) }
        let table = try CounterTable(path: counters, capacity: 8)
        self.spend(table, key, 2)
        #expect(truncate(counters, 0) == 0)
        // Counted on the zero pages that replaced the file: not usage, not a balance to restore.
        self.spend(table, key, 1)
        #expect(table.mapping.isLost)
        let rollup = try #require(UsageRollup(databasePath: db, counters: table, logger: Logger(label: "test")))
        #expect(rollup.run(nowSeconds: self.now / 1_000_000) == .rolledUp)
        #expect(try store.usage(keyID: key.id, sinceDay: nil).isEmpty)
        #expect(try store.counterSnapshots().isEmpty)
    }
}
