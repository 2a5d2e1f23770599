import Glibc
import KeygateCore
import KeygateSystem
import Synchronization
import Testing

@testable import KeygateZone

struct IPEntryTests {
    @Test func namedAccessorsReadAndWriteTheirPinnedWords() {
        let memory = RawWords(count: 8)
        let entry = IPEntry(memory.atomics)
        #expect(IPEntryWord.count == 8 && IPTable.wordsPerEntry == 8 && IPEntryWord.allCases.count == 8)
        #expect(entry.lease == memory.atomics, "the lease is word 0")
        let address = IPAddress(high: 0x2001_0DB8_0000_0000, low: 0x0000_0000_0000_0001)
        entry.claim(for: address)
        entry.setState(0x333, of: .keyless)
        entry.setState(0x444, of: .global)
        entry.touchedMicros = 1_800_000_000_000_000
        #expect(memory.words == [0, 0x2001_0DB8_0000_0000, 1, 0x333, 0x444, 1_800_000_000_000_000, 0, 0])
        #expect(entry.holds(address))
        #expect(!entry.holds(IPAddress(high: 0x2001_0DB8_0000_0000, low: 2)))
        #expect(entry.state(of: .keyless) == 0x333 && entry.state(of: .global) == 0x444)
        for word in IPEntryWord.allCases { #expect(entry[word] == memory[word.rawValue]) }
    }

    @Test func claimingGivesAFreshEntryAndAnEmptyOneHoldsNothing() {
        let memory = RawWords(count: 8)
        let entry = IPEntry(memory.atomics)
        let address = IPAddress(ipv4: 0x0A00_0001)
        #expect(!IPEntry(memory.atomics).holds(IPAddress(high: 0, low: 0)), "an untouched entry holds no address")
        for index in 0..<8 { memory[index] = UInt64(0x10 + index) }
        entry.claim(for: address)
        #expect(memory.words == [0x10, 0, 0x0000_FFFF_0A00_0001, 0, 0, 0x15, 0x16, 0x17])
        #expect(entry.holds(address))
        entry.touchedMicros = 0
        #expect(!entry.holds(address), "touched 0 means empty")
    }

    /// The table's file layout: an address's entry has the address in words 1-2, each limit's state in words 3-4 and
    /// the touch time in word 5, as written before the view had names.
    @Test func theTableWritesTheSameWordsAsBefore() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try IPTable(path: path, capacity: 64)
        let address = IPAddress(ipv4: 0x0A00_0007)
        let now: Int64 = 1_800_000_000_000_000
        let policy = RateLimitPolicy(limit: 2, periodMicros: 60_000_000)
        #expect(
            table.admit(address: address, limit: .global, policy: policy, nowMicros: now)?.evaluation.admitted == true)
        let index = IPTable.hash(address) % table.capacity
        let entry = table.mapping.base + Mapping.Header.size + index * 64
        let words = (0..<8).map { entry.load(fromByteOffset: $0 * 8, as: UInt64.self) }
        let expectedState = policy.evaluating(state: 0, cost: 1, nowMicros: now).newState
        #expect(words == [0, address.high, address.low, 0, expectedState, UInt64(now), 0, 0])
    }
}
