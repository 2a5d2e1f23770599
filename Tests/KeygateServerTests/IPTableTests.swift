import Glibc
import KeygateCore
import KeygateSystem
import Testing

@testable import KeygateZone

struct IPTableTests {
    let now: Int64 = 1_800_000_000_000_000

    func address(_ index: Int) -> IPAddress { IPAddress(ipv4: 0x0A00_0000 | UInt32(index)) }

    @Test func eachAddressHasItsOwnBucketsPerLimit() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try IPTable(path: path, capacity: 64)
        let twoPerMinute = RateLimitPolicy(limit: 2, periodMicros: 60_000_000)
        let a = self.address(1), b = IPAddress("2001:db8::1")!
        let results = (0..<3).map { _ in
            table.admit(address: a, limit: .keyless, policy: twoPerMinute, nowMicros: self.now)?.evaluation.admitted
        }
        #expect(results == [true, true, false])
        #expect(
            table.admit(address: b, limit: .keyless, policy: twoPerMinute, nowMicros: self.now)?.evaluation.admitted
                == true)
        #expect(
            table.admit(address: a, limit: .global, policy: twoPerMinute, nowMicros: self.now)?.evaluation.admitted
                == true)
        let retry = table.admit(address: a, limit: .keyless, policy: twoPerMinute, nowMicros: self.now)?.evaluation
            .retryAfterMicros
        #expect(retry == 30_000_000)
    }

    func admitted(_ table: IPTable, _ address: IPAddress, _ policy: RateLimitPolicy) -> Bool? {
        table.admit(address: address, limit: .keyless, policy: policy, nowMicros: self.now)?.evaluation.admitted
    }

    @Test func anEntryHeldByALiveStuckProcessIsNeitherTakenOverNorOverwritten() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try IPTable(path: path, capacity: 64)
        let policy = RateLimitPolicy(limit: 2, periodMicros: 60_000_000)
        let a = self.address(7)
        #expect(self.admitted(table, a, policy) == true)
        // A live process (our parent) holds the entry's lease, as if stopped inside its section.
        let owner = getppid()
        let held = LeaseWord(pid: owner, startTime: try #require(ProcessStat.read(pid: owner)).startTime).rawValue
        let index = IPTable.hash(a) % table.capacity
        let entry = table.mapping.base + Mapping.Header.size + index * IPTable.wordsPerEntry * 8
        entry.storeBytes(of: held, as: UInt64.self)
        #expect(self.admitted(table, a, policy) == nil)
        #expect(self.admitted(table, a, policy) == nil)
        #expect(entry.load(as: UInt64.self) == held)
        entry.storeBytes(of: 0, as: UInt64.self)
        #expect(self.admitted(table, a, policy) == true)
    }

    @Test func aSprayOfAddressesNeverGrowsTheTableAndEvictionsAreCounted() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try IPTable(path: path, capacity: 64)
        var before = stat()
        stat(path, &before)
        let slow = RateLimitPolicy(limit: 10, periodMicros: 86_400_000_000)
        var evicted = 0
        for index in 0..<100_000 {
            let admission = table.admit(
                address: self.address(index), limit: .keyless, policy: slow, nowMicros: self.now)
            if admission?.evicted == true { evicted += 1 }
        }
        var after = stat()
        stat(path, &after)
        #expect(after.st_size == before.st_size)
        #expect(evicted == 100_000 - 64 || evicted >= 100_000 - 64 * IPTable.probe)
        #expect(table.evictions == UInt64(evicted))
    }

    @Test func drainedEntriesAreReusedBeforeAnyEviction() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try IPTable(path: path, capacity: 64)
        let fast = RateLimitPolicy(limit: 1000, periodMicros: 1_000_000)
        // Each address is touched once; a millisecond later its bucket has drained, so its entry is free to reuse.
        for index in 0..<10_000 {
            let admission = table.admit(
                address: self.address(index), limit: .keyless, policy: fast, nowMicros: self.now + Int64(index) * 2_000)
            #expect(admission?.evaluation.admitted == true)
        }
        #expect(table.evictions == 0)
    }
}
