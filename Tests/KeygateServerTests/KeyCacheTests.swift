import KeygateCore
import KeygateServer
import Testing

/// The key cache's CLOCK replacement, its separate ring for unknown digests, and per-key removal.
struct KeyCacheTests {
    final class Entry {
        let name: String
        init(_ name: String) { self.name = name }
    }

    func digest(_ number: UInt64) -> KeyDigest {
        KeyDigest(w0: number &* 0x9E37_79B9_7F4A_7C15, w1: number, w2: 0, w3: 0)
    }

    /// Inserts a found key's entry named `name` under `digest(number)`.
    func insertFound(_ cache: KeyCache<KeyDigest, Entry>, _ number: UInt64, key: String = "kid") {
        cache.insert(Entry("\(key)-\(number)"), for: self.digest(number), keyID: "\(key)-\(number)")
    }

    @Test func aHitReturnsTheEntryAndAMissNil() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 4, unknownCapacity: 2)
        self.insertFound(cache, 1)
        cache.insert(Entry("miss"), for: self.digest(2), keyID: nil)
        #expect(cache.entry(for: self.digest(1))?.name == "kid-1")
        #expect(cache.entry(for: self.digest(2))?.name == "miss")
        #expect(cache.entry(for: self.digest(3)) == nil)
        #expect(cache.count == 2)
        #expect(cache.evictions == 0)
    }

    @Test func aFullRingReplacesAnEntryNotUsedSinceTheHandPassed() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 3, unknownCapacity: 1)
        for number: UInt64 in 1...3 { self.insertFound(cache, number) }
        _ = cache.entry(for: self.digest(1))
        _ = cache.entry(for: self.digest(2))
        self.insertFound(cache, 4)  // 1 and 2 get a second chance; 3 goes
        #expect(cache.entry(for: self.digest(3)) == nil)
        #expect(cache.entry(for: self.digest(1))?.name == "kid-1")
        #expect(cache.entry(for: self.digest(2))?.name == "kid-2")
        #expect(cache.entry(for: self.digest(4))?.name == "kid-4")
        #expect(cache.count == 3)
        #expect(cache.evictions == 1)
    }

    @Test func whenEveryEntryWasUsedTheHandGoesRoundOnceAndTakesTheFirst() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 3, unknownCapacity: 1)
        for number: UInt64 in 1...3 { self.insertFound(cache, number) }
        for number: UInt64 in 1...3 { _ = cache.entry(for: self.digest(number)) }
        self.insertFound(cache, 4)
        #expect(cache.entry(for: self.digest(1)) == nil)
        #expect(cache.entry(for: self.digest(4)) != nil)
        // That turn cleared the bits of 2 and 3, and the hand stopped after 4's slot: 2 goes next.
        self.insertFound(cache, 5)
        #expect(cache.entry(for: self.digest(2)) == nil)
        #expect(cache.entry(for: self.digest(3))?.name == "kid-3")
        #expect(cache.evictions == 2)
    }

    @Test func aSprayOfUnknownDigestsReplacesOnlyOtherUnknownDigests() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 4, unknownCapacity: 2)
        for number: UInt64 in 1...4 { self.insertFound(cache, number) }
        for number: UInt64 in 1_000..<2_000 {
            #expect(cache.entry(for: self.digest(number)) == nil)
            cache.insert(Entry("miss"), for: self.digest(number), keyID: nil)
        }
        for number: UInt64 in 1...4 { #expect(cache.entry(for: self.digest(number))?.name == "kid-\(number)") }
        #expect(cache.count == 6)
        #expect(cache.evictions == 998)
        #expect(cache.entry(for: self.digest(1_999))?.name == "miss")
    }

    @Test func removingAKeyDropsEverySecretOfItAndNothingElse() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 4, unknownCapacity: 2)
        cache.insert(Entry("a current"), for: self.digest(1), keyID: "kid_a")
        cache.insert(Entry("a rotated out"), for: self.digest(2), keyID: "kid_a")
        cache.insert(Entry("b"), for: self.digest(3), keyID: "kid_b")
        cache.insert(Entry("miss"), for: self.digest(4), keyID: nil)
        #expect(cache.removeEntries(ofKeys: ["kid_a", "kid_unknown"]) == 2)
        #expect(cache.entry(for: self.digest(1)) == nil)
        #expect(cache.entry(for: self.digest(2)) == nil)
        #expect(cache.entry(for: self.digest(3))?.name == "b")
        #expect(cache.entry(for: self.digest(4))?.name == "miss")
        #expect(cache.removeEntries(ofKeys: ["kid_a"]) == 0)
        // The freed slots are reused before anything is replaced.
        for number: UInt64 in 5...7 { self.insertFound(cache, number) }
        #expect(cache.count == 5)
        #expect(cache.evictions == 0)
        #expect(cache.entry(for: self.digest(3))?.name == "b")
    }

    @Test func removingADigestDropsItsEntryOnly() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 2, unknownCapacity: 2)
        cache.insert(Entry("miss"), for: self.digest(1), keyID: nil)
        self.insertFound(cache, 2)
        #expect(cache.remove(self.digest(1)))
        #expect(!cache.remove(self.digest(1)))
        #expect(cache.entry(for: self.digest(1)) == nil)
        #expect(cache.entry(for: self.digest(2))?.name == "kid-2")
        #expect(cache.count == 1)
    }

    @Test func removingByPredicateScansBothRingsAndKeepsTheRest() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 3, unknownCapacity: 2)
        cache.insert(Entry("drop miss"), for: self.digest(1), keyID: nil)
        cache.insert(Entry("keep miss"), for: self.digest(2), keyID: nil)
        self.insertFound(cache, 3)
        cache.insert(Entry("drop found"), for: self.digest(4), keyID: "kid_d")
        #expect(cache.removeEntries { $0.name.hasPrefix("drop") } == 2)
        #expect(cache.entry(for: self.digest(1)) == nil)
        #expect(cache.entry(for: self.digest(4)) == nil)
        #expect(cache.entry(for: self.digest(2))?.name == "keep miss")
        #expect(cache.entry(for: self.digest(3))?.name == "kid-3")
        #expect(cache.count == 2)
        // The emptied slots are reused before anything is replaced.
        self.insertFound(cache, 5)
        self.insertFound(cache, 6)
        cache.insert(Entry("new miss"), for: self.digest(7), keyID: nil)
        #expect(cache.count == 5)
        #expect(cache.evictions == 0)
    }

    @Test func insertingADigestAgainReplacesItsEntryEvenAcrossRings() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 2, unknownCapacity: 1)
        cache.insert(Entry("miss"), for: self.digest(1), keyID: nil)
        cache.insert(Entry("found now"), for: self.digest(1), keyID: "kid_new")
        #expect(cache.count == 1)
        #expect(cache.entry(for: self.digest(1))?.name == "found now")
        // The digest now counts as a found key: an unknown digest does not replace it.
        cache.insert(Entry("other miss"), for: self.digest(2), keyID: nil)
        cache.insert(Entry("third miss"), for: self.digest(3), keyID: nil)
        #expect(cache.entry(for: self.digest(1))?.name == "found now")
        #expect(cache.count == 2)
    }

    @Test func removeAllEmptiesTheCacheAndItFillsAgainWithoutReplacing() {
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 3, unknownCapacity: 1)
        for number: UInt64 in 1...3 { self.insertFound(cache, number) }
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.entry(for: self.digest(1)) == nil)
        for number: UInt64 in 4...6 { self.insertFound(cache, number) }
        #expect(cache.count == 3)
        #expect(cache.evictions == 0)
    }

    @Test func aCapacityKeepsATenthForUnknownDigests() {
        let cache = KeyCache<KeyDigest, Entry>(capacity: 20)
        for number: UInt64 in 1...18 { self.insertFound(cache, number) }
        for number: UInt64 in 100..<103 { cache.insert(Entry("miss"), for: self.digest(number), keyID: nil) }
        #expect(cache.count == 20)
        #expect(cache.evictions == 1)
        self.insertFound(cache, 19)
        #expect(cache.count == 20)
        #expect(cache.evictions == 2)
    }

    @Test func aWorkingSetLargerThanTheCacheKeepsTheEntriesUsedMost() {
        // 100 keys, 10 of them asked for nine times out of ten, through a cache of 20 found keys.
        let cache = KeyCache<KeyDigest, Entry>(foundCapacity: 20, unknownCapacity: 2)
        var hits = 0
        var random = SplitMix(seed: 11)
        for _ in 0..<10_000 {
            let number = random.next() % 10 < 9 ? random.next() % 10 : 10 + random.next() % 90
            if cache.entry(for: self.digest(number)) != nil { hits += 1 } else { self.insertFound(cache, number) }
        }
        // CLOCK keeps the hot ten, whatever the cold ninety do.
        #expect(hits > 8_500)
        for number: UInt64 in 0..<10 { #expect(cache.entry(for: self.digest(number)) != nil) }
    }

    /// A small deterministic generator (SplitMix64).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { self.state = seed }
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
