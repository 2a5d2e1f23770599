import Glibc
import KeygateCore
import KeygateSystem
import Synchronization
import Testing

@testable import KeygateZone

struct CounterRecordTests {
    let now: Int64 = 1_800_000_000_000_000

    @Test func namedAccessorsReadAndWriteTheirPinnedWords() {
        let memory = RawWords(count: 16)
        let record = CounterRecord(memory.atomics)
        #expect(CounterRecord.byteCount == 128 && CounterTable.recordBytes == 128 && CounterTable.wordsPerRecord == 16)
        #expect(record.lease == memory.atomics, "the lease is word 0")
        record.owner = 0xABCD
        record.rolledAdmitted = 12
        record.rolledRejected = 13
        for _ in 0..<3 { record.countAdmitted() }
        record.countRejected()
        record[.ratePerSecond] = 0x202
        record[.ratePerMinute] = 0x303
        record[.ratePerHour] = 0x404
        record[.ratePerDay] = 0x505
        record[.dailyQuota] = 0x606
        record[.monthlyQuota] = 0x707
        record[.credits] = 0x808
        record[.otherRate] = 0xE0E
        record[.secondOtherRate] = 0xF0F
        #expect(
            memory.words == [
                0, 0, 0x202, 0x303, 0x404, 0x505, 0x606, 0x707, 0x808, 3, 1, 0xABCD, 12, 13, 0xE0E, 0xF0F,
            ])
        #expect((record.owner, record.admitted, record.rejected) == (0xABCD, 3, 1))
        #expect((record.rolledAdmitted, record.rolledRejected) == (12, 13))
        // Raw words read back through their names.
        memory[0] = 77
        memory[1] = 88
        #expect(record[.lease] == 77 && record[.reserved] == 88)
        for word in CounterRecordWord.allCases { #expect(record[word] == memory[word.rawValue]) }
    }

    @Test func clearingKeepsOnlyTheLease() {
        let memory = RawWords(count: 16)
        for index in 0..<16 { memory[index] = UInt64(index + 1) }
        CounterRecord(memory.atomics).clearAllButLease()
        #expect(memory.words == [1] + Array(repeating: 0, count: 15))
    }

    /// A counters file written with today's layout (words placed by number here, not by name) is read the same: the
    /// counts, the owner and each policy's state come from the same word as before the views had names.
    @Test func aFileWithTodaysLayoutReadsTheSame() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 4)
        let owner = CounterTable.fingerprint(of: "kid_layout")
        let day = UInt64(self.now / 86_400_000_000)
        let base = table.mapping.base + Mapping.Header.size + 2 * 128
        func plant(_ index: Int, _ value: UInt64) {
            base.storeBytes(of: value, toByteOffset: index * 8, as: UInt64.self)
        }
        func word(_ index: Int) -> UInt64 { base.load(fromByteOffset: index * 8, as: UInt64.self) }
        plant(6, day << 32 | 3)  // daily quota: 3 used today
        plant(9, 40)  // admitted
        plant(10, 2)  // rejected
        plant(11, owner)
        plant(12, 30)  // rolled-up admitted
        plant(3, 0x1234_5600)  // a per-minute TAT
        #expect(table.counts(slot: 2) == (40, 2))
        #expect(table.pendingUsage().map(\.slot) == [2])
        let snapshot = try #require(table.policySnapshot(slot: 2))
        #expect(snapshot.owner == owner)
        #expect(snapshot.words == [0, 0, 0, 0x1234_5600, 0, 0, day << 32 | 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])

        // Three of three used: rejected, and counted in word 10.
        let quota = PolicySet(quotas: [QuotaPolicy(limit: 3, window: .day)])
        #expect(table.admit(slot: 2, owner: owner, policies: quota, cost: 1, nowMicros: self.now)?.admitted == false)
        #expect(word(10) == 3)
        // Admitted with four: the per-second, per-hour and daily words move, and word 9 counts it; nothing else does.
        let before = (0..<16).map(word)
        let policies = PolicySet(
            rateLimits: [
                RateLimitPolicy(limit: 9, periodMicros: 1_000_000),
                RateLimitPolicy(limit: 9, periodMicros: 3_600_000_000),
            ],
            quotas: [QuotaPolicy(limit: 4, window: .day)])
        #expect(table.admit(slot: 2, owner: owner, policies: policies, cost: 1, nowMicros: self.now)?.admitted == true)
        let changed = (0..<16).filter { word($0) != before[$0] }
        #expect(changed == [2, 4, 6, 9])
        #expect(word(6) == day << 32 | 4 && word(9) == 41)
        #expect(word(0) == 0, "the lease is released")
    }

    @Test func anotherOwnerStartsFromZeroButKeepsNoOldWord() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 2)
        let base = table.mapping.base + Mapping.Header.size + 128
        for index in 1..<16 { base.storeBytes(of: UInt64(0x100 + index), toByteOffset: index * 8, as: UInt64.self) }
        let policies = PolicySet(credits: CreditPolicy(initial: 5))
        #expect(table.admit(slot: 1, owner: 0xFEED, policies: policies, cost: 2, nowMicros: self.now)?.admitted == true)
        let words = (0..<16).map { base.load(fromByteOffset: $0 * 8, as: UInt64.self) }
        #expect(words[11] == 0xFEED && words[9] == 1)
        #expect(words[8] == CreditPolicy.writtenFlag | 3, "5 credits less 2, in the credit word")
        #expect(words.enumerated().allSatisfy { [8, 9, 11].contains($0.offset) || $0.element == 0 })
    }
}
