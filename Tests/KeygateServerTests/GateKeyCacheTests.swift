import Glibc
import KeygateCore
import KeygateServer
import KeygateStore
import Logging
import Testing

/// A gate's key cache across commits by other connections (what another process's CLI command or keygate's own
/// roll-up makes): a change to a key drops that key only, bookkeeping drops nothing.
struct GateKeyCacheTests {
    let nowSeconds: Int64 = 1_800_000_000

    /// A database with two keys and a gate on it; the caller removes the files with ``cleanUp(_:)``.
    func setUp() throws -> (db: String, store: KeyStore, a: (KeyRecord, String), b: (KeyRecord, String), gate: Gate) {
        let db = temporaryPath("keygate-gate-cache") + ".db"
        let store = try KeyStore(path: db, create: true)
        let a = try store.create(NewKey(name: "a"), now: self.nowSeconds, actor: "t")
        let b = try store.create(NewKey(name: "b"), now: self.nowSeconds, actor: "t")
        let gate = try Gate(
            databasePath: db, policy: GatePolicy(), lastUsed: nil, logger: Logger(label: "test"), cacheCapacity: 100)
        return (db, store, a, b, gate)
    }

    func cleanUp(_ db: String) {
        for path in [db, db + "-wal", db + "-shm"] { unlink(path) }
    }

    func decide(_ gate: Gate, _ secret: String) -> Outcome {
        gate.decide(AuthRequest(apiKeyHeader: secret), nowMicros: (self.nowSeconds + 1) * 1_000_000).outcome
    }

    @Test func aRevokeByAnotherConnectionReachesTheNextRequestAndDropsThatKeyOnly() throws {
        let (db, store, (a, aSecret), (_, bSecret), gate) = try self.setUp()
        defer { self.cleanUp(db) }
        #expect(self.decide(gate, aSecret) == .allow)
        #expect(self.decide(gate, bSecret) == .allow)
        #expect(gate.statistics.cacheHits == 0)
        _ = try store.revoke(id: a.id, now: self.nowSeconds, actor: "t")
        #expect(self.decide(gate, aSecret) == .revoked)
        #expect(self.decide(gate, bSecret) == .allow)
        #expect(gate.statistics.cacheHits == 1)  // b stayed cached
        #expect(gate.statistics.keyInvalidations == 1)
        #expect(gate.statistics.cacheInvalidations == 0)
        #expect(self.decide(gate, aSecret) == .revoked)
        #expect(gate.statistics.cacheHits == 2)
    }

    @Test func usageAndLastUsedRollUpsDropNothing() throws {
        let (db, store, (a, aSecret), _, gate) = try self.setUp()
        defer { self.cleanUp(db) }
        #expect(self.decide(gate, aSecret) == .allow)
        for round: Int64 in 1...3 {
            try store.recordLastUsed([(slot: a.slot, seconds: self.nowSeconds + round)])
            try store.recordRollUp(
                usage: [(keyID: a.id, day: "2027-01-15", admitted: round, rejected: 0)],
                snapshots: [CounterSnapshot(slot: a.slot, owner: 1, words: [UInt64(round)], savedAtSeconds: round)])
            #expect(self.decide(gate, aSecret) == .allow)
        }
        #expect(gate.statistics.cacheHits == 3)
        #expect(gate.statistics.cacheInvalidations == 0)
        #expect(gate.statistics.keyInvalidations == 0)
    }

    @Test func aSecretAddedForACachedUnknownDigestIsFoundOnTheNextRequest() throws {
        let (db, _, (a, aSecret), _, gate) = try self.setUp()
        defer { self.cleanUp(db) }
        let writer = try Connection(path: db, mode: .readWrite)
        let select = try writer.prepare("SELECT digest FROM key_secrets WHERE key_id = ?")
        try select.bind([.text(a.id)])
        #expect(try select.step())
        let digest = select.blob(at: 0)
        select.reset()
        try writer.execute("DELETE FROM key_secrets WHERE key_id = ?", [.text(a.id)])
        #expect(self.decide(gate, aSecret) == .unknown)
        #expect(self.decide(gate, aSecret) == .unknown)
        #expect(gate.statistics.cacheHits == 1)  // the miss is cached
        try writer.execute(
            "INSERT INTO key_secrets (digest, key_id, created_at) VALUES (?, ?, ?)",
            [.blob(digest), .text(a.id), .integer(self.nowSeconds)])
        #expect(self.decide(gate, aSecret) == .allow)
        #expect(gate.statistics.cacheInvalidations == 0)
    }

    @Test func aSprayOfUnknownKeysLeavesFoundKeysCached() throws {
        let (db, _, (_, aSecret), (_, bSecret), gate) = try self.setUp()
        defer { self.cleanUp(db) }
        #expect(self.decide(gate, aSecret) == .allow)
        #expect(self.decide(gate, bSecret) == .allow)
        var state: UInt64 = 0x1234_5678
        for _ in 0..<1_000 {
            let bytes = (0..<200).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            let secret = try #require(APIKeyFormat.make(prefix: APIKeyFormat.defaultPrefix, randomBytes: bytes))
            #expect(self.decide(gate, secret) == .unknown)
        }
        #expect(self.decide(gate, aSecret) == .allow)
        #expect(self.decide(gate, bSecret) == .allow)
        #expect(gate.statistics.cacheHits == 2)
        #expect(gate.cacheEvictions > 900)
    }
}
