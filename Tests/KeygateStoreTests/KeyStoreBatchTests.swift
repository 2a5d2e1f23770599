import KeygateCore
import KeygateStore
import Testing

/// `KeyStore.createMany`: many keys in one transaction, for seeding benchmark databases.
struct KeyStoreBatchTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    @Test func fillsFreeSlotsInOrderAndEveryKeyIsFound() throws {
        let store = try KeyStore(path: self.path, create: true)
        let first = try (0..<3).map { try store.create(NewKey(name: "k\($0)"), now: t0, actor: "a").record }
        #expect(try store.delete(id: first[1].id, now: t0, actor: "a"))
        let limited = NewKey(
            name: "seed", scopes: ["bench"], rateLimits: [try RateLimitPolicy.parse("10/s")],
            quotas: [try QuotaPolicy.parse("100/day")])
        let secrets = try store.createMany(Array(repeating: limited, count: 3), now: t0, actor: "a")
        #expect(secrets.count == 3 && Set(secrets).count == 3)
        let lookup = try KeyLookup(path: self.path)
        var slots: [Int] = []
        for secret in secrets {
            let match = try #require(try lookup.find(digest: try digest(secret)))
            #expect(match.key.scopes == ["bench"])
            #expect(match.key.policies.rateLimits.count == 1 && match.key.policies.quotas.count == 1)
            slots.append(match.key.slot)
        }
        #expect(slots == [1, 3, 4])
        #expect(try store.auditLog(keyID: nil, limit: 100).filter { $0.action == "create" }.count == 6)
    }

    @Test func oneRefusedKeyCreatesNone() throws {
        let store = try KeyStore(path: self.path, create: true)
        #expect(throws: KeyValidationError.self) {
            try store.createMany([NewKey(name: "ok"), NewKey(name: " ")], now: t0, actor: "a")
        }
        #expect(try store.list(includeRevoked: true).isEmpty)
    }
}
