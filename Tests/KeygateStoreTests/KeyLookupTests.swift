import KeygateCore
import KeygateCrypto
import KeygateStore
import Testing

struct KeyLookupTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    @Test func seesARevokeCommittedByAnotherConnection() throws {
        let store = try KeyStore(path: self.path, create: true)
        let (record, secret) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let secretDigest = try digest(secret)
        #expect(try lookup.find(digest: secretDigest)?.key.status == .active)
        _ = try store.revoke(id: record.id, now: t0 + 1, actor: "a")
        #expect(try lookup.find(digest: secretDigest)?.key.status == .revoked)
        _ = try store.delete(id: record.id, now: t0 + 2, actor: "a")
        #expect(try lookup.find(digest: secretDigest) == nil)
    }

    @Test func dataVersionChangesOnlyWhenAnotherConnectionCommits() throws {
        let store = try KeyStore(path: self.path, create: true)
        let lookup = try KeyLookup(path: self.path)
        let first = try lookup.dataVersion()
        #expect(try lookup.dataVersion() == first)
        _ = try lookup.find(digest: KeyDigest(w0: 1, w1: 2, w2: 3, w3: 4))
        #expect(try lookup.dataVersion() == first)
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        let second = try lookup.dataVersion()
        #expect(second != first)
        #expect(try lookup.dataVersion() == second)
        _ = try store.list(includeRevoked: true)  // a read commits nothing
        #expect(try lookup.dataVersion() == second)
        try store.recordLastUsed([(slot: record.slot, seconds: t0)])
        #expect(try lookup.dataVersion() != second)
    }

    @Test func opensAfterTheWriterClosed() throws {
        let secret: String
        do {
            let store = try KeyStore(path: self.path, create: true)
            secret = try store.create(NewKey(name: "k"), now: t0, actor: "a").secret
        }
        let lookup = try KeyLookup(path: self.path)
        #expect(try lookup.find(digest: try digest(secret))?.key.name == "k")
        // A second reader and a new writer can work alongside.
        let other = try KeyLookup(path: self.path)
        let store = try KeyStore(path: self.path, create: false)
        _ = try store.create(NewKey(name: "k2"), now: t0, actor: "a")
        #expect(try other.find(digest: try digest(secret)) != nil)
    }

    @Test func damagedRowsFailClosed() throws {
        let store = try KeyStore(path: self.path, create: true)
        let (record, secret) = try store.create(
            NewKey(name: "k", allowedNetworks: [CIDR("10.0.0.0/8")!], allowedOrigins: ["https://a.example"]),
            now: t0, actor: "a")
        let raw = try Connection(path: self.path, mode: .readWrite)
        try raw.execute("PRAGMA ignore_check_constraints = ON")
        try raw.execute(
            "UPDATE keys SET allowed_cidrs = ?, status = ?, allowed_origins = ? WHERE id = ?",
            [.text("10.0.0.0/8 garbage 300.1.1.1/8"), .text("bogus"), .text("  "), .text(record.id)])
        let match = try #require(try KeyLookup(path: self.path).find(digest: try digest(secret)))
        #expect(match.key.allowedNetworks.map(\.description) == ["10.0.0.0/8", "::/128", "::/128"])
        #expect(!match.key.allowedNetworks.contains { $0.contains(IPAddress("192.0.2.1")!) })
        #expect(match.key.status == .revoked)
        #expect(match.key.allowedOrigins == ["  "])

        try raw.execute("UPDATE keys SET allowed_cidrs = 'nonsense' WHERE id = ?", [.text(record.id)])
        let damaged = try #require(try KeyLookup(path: self.path).find(digest: try digest(secret)))
        #expect(!damaged.key.allowedNetworks.isEmpty)  // never "any network"
    }

    @Test func measuresFindAndDataVersion() throws {
        let store = try KeyStore(path: self.path, create: true)
        var digests: [KeyDigest] = []
        let hasher = try SHA256Hasher()
        for index in 0..<200 {
            let secret = try store.create(
                NewKey(name: "key \(index)", scopes: ["read"], allowedNetworks: [CIDR("10.0.0.0/8")!]),
                now: t0, actor: "bench"
            ).secret
            digests.append(hasher.digest(secret))
        }
        digests.append(KeyDigest(w0: 1, w1: 2, w2: 3, w3: 4))  // one miss in every 201
        let lookup = try KeyLookup(path: self.path)
        let iterations = 20_000
        var found = 0
        let clock = ContinuousClock()
        let findStart = clock.now
        for index in 0..<iterations {
            if try lookup.find(digest: digests[index % digests.count]) != nil { found += 1 }
        }
        let findElapsed = clock.now - findStart
        var versionSum: Int64 = 0
        let versionStart = clock.now
        for _ in 0..<iterations {
            versionSum &+= try lookup.dataVersion()
        }
        let versionElapsed = clock.now - versionStart
        var hashSink: UInt64 = 0
        let hashStart = clock.now
        for index in 0..<iterations {
            hashSink ^= hasher.digest("kg_\(index % 10)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").w0
        }
        let hashElapsed = clock.now - hashStart
        func nanoseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        }
        print(
            "KeyLookup.find: \(nanoseconds(findElapsed) / Int64(iterations)) ns/call; "
                + "dataVersion: \(nanoseconds(versionElapsed) / Int64(iterations)) ns/call; "
                + "SHA256Hasher.digest (incl. string build): \(nanoseconds(hashElapsed) / Int64(iterations)) ns/call "
                + "(\(iterations) calls each, found \(found), sink \(versionSum & 1 ^ Int64(hashSink & 1)))")
        #expect(found == iterations - iterations / digests.count)
    }

    @Test func boundsItsPageCache() throws {
        _ = try KeyStore(path: self.path, create: true)
        let lookup = try KeyLookup(path: self.path)
        #expect(KeyLookup.pageCacheKiB == 256)
        #expect(try lookup.cacheSize() == -256)  // negative: KiB, not pages
    }

    @Test func recordsWithEqualLimitsAndScopesShareThem() throws {
        let store = try KeyStore(path: self.path, create: true)
        func create(_ name: String, perSecond: Int64) throws -> KeyDigest {
            let secret = try store.create(
                NewKey(
                    name: name, scopes: ["read"],
                    rateLimits: [RateLimitPolicy(limit: perSecond, periodMicros: 1_000_000)],
                    quotas: [QuotaPolicy(limit: 1000, window: .day)]),
                now: t0, actor: "a"
            ).secret
            return try digest(secret)
        }
        let (a, b, c) = (try create("a", perSecond: 5), try create("b", perSecond: 5), try create("c", perSecond: 7))
        func storage<T>(_ array: [T]) -> UnsafeRawPointer? {
            array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        }
        let lookup = try KeyLookup(path: self.path)
        let (first, second, other) = (
            try #require(try lookup.find(digest: a)).key, try #require(try lookup.find(digest: b)).key,
            try #require(try lookup.find(digest: c)).key
        )
        #expect(first.name == "a" && second.name == "b")
        #expect(second.policies.rateLimits.map(\.limit) == [5])
        #expect(storage(first.policies.rateLimits) == storage(second.policies.rateLimits))
        #expect(storage(first.scopes) == storage(second.scopes))
        #expect(other.policies.rateLimits.map(\.limit) == [7])
        #expect(storage(other.scopes) == storage(first.scopes))
        // Without interning, each record keeps its own copies.
        let unshared = try KeyLookup(path: self.path, internedValues: 0)
        let (x, y) = (try #require(try unshared.find(digest: a)).key, try #require(try unshared.find(digest: b)).key)
        #expect(x.policies == y.policies)
        #expect(storage(x.policies.rateLimits) != storage(y.policies.rateLimits))
    }
}
