import Glibc
import KeygateCore
import Testing

@testable import KeygateZone

struct CounterTableTests {
    let policies = PolicySet(
        rateLimits: [RateLimitPolicy(limit: 5, periodMicros: 60_000_000)],
        quotas: [QuotaPolicy(limit: 3, window: .day)])
    let now: Int64 = 1_800_000_000_000_000

    @Test func admitsUntilTheTightestPolicyAndCountsBoth() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let outcomes = (0..<5).map { _ in table.admit(slot: 3, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted }
        #expect(outcomes == [true, true, true, false, false])
        #expect(table.counts(slot: 3) == (3, 2))
        // Another process mapping the file sees the same state.
        let other = try CounterTable(path: path, capacity: 8)
        #expect(other.admit(slot: 3, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == false)
        #expect(other.admit(slot: 4, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
    }

    @Test func aSlotReusedByAnotherKeyStartsFromZero() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let old = CounterTable.fingerprint(of: "kid_old"), new = CounterTable.fingerprint(of: "kid_new")
        for _ in 0..<3 { _ = table.admit(slot: 5, owner: old, policies: self.policies, cost: 1, nowMicros: self.now) }
        #expect(table.admit(slot: 5, owner: old, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == false)
        #expect(table.admit(slot: 5, owner: new, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
        #expect(table.counts(slot: 5) == (1, 0))
    }

    @Test func dryRunChangesNothing() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        for _ in 0..<10 {
            let evaluation = table.admit(slot: 0, policies: self.policies, cost: 1, nowMicros: self.now, dryRun: true)
            #expect(evaluation?.admitted == true)
        }
        #expect(table.counts(slot: 0) == (0, 0))
    }

    @Test func changingLimitsKeepsTheCounts() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        for _ in 0..<3 { _ = table.admit(slot: 0, policies: self.policies, cost: 1, nowMicros: self.now) }
        // The quota is raised from 3 to 4 per day: one more, not four more.
        let raised = PolicySet(rateLimits: self.policies.rateLimits, quotas: [QuotaPolicy(limit: 4, window: .day)])
        #expect(table.admit(slot: 0, policies: raised, cost: 1, nowMicros: self.now)?.admitted == true)
        #expect(table.admit(slot: 0, policies: raised, cost: 1, nowMicros: self.now)?.admitted == false)
    }

    func plantLease(_ table: CounterTable, slot: Int, pid: UInt64, expiryMillis: UInt64) {
        let word = table.mapping.base + Mapping.Header.size + slot * CounterTable.recordBytes
        word.storeBytes(of: pid << 42 | expiryMillis, as: UInt64.self)
    }

    @Test func aLeaseLeftByADeadProcessIsTakenOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        // A child that exits at once leaves a pid that no longer exists, with a lease far from expiry.
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        posix_spawn(&child, "/bin/true", nil, nil, argv, nil)
        free(argv[0])
        var status: Int32 = 0
        waitpid(child, &status, 0)
        self.plantLease(table, slot: 1, pid: UInt64(child), expiryMillis: Lease.realtimeMillis() + 3_600_000)
        #expect(table.admit(slot: 1, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
    }

    @Test func anExpiredLeaseOfALiveProcessIsTakenOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        self.plantLease(table, slot: 2, pid: UInt64(getppid()), expiryMillis: Lease.realtimeMillis() - 1_000)
        #expect(table.admit(slot: 2, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
    }

    @Test func aLiveUnexpiredLeaseIsRespected() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        self.plantLease(table, slot: 2, pid: UInt64(getppid()), expiryMillis: Lease.realtimeMillis() + 3_600_000)
        #expect(table.admit(slot: 2, policies: self.policies, cost: 1, nowMicros: self.now) == nil)
    }

    @Test func aFileOfAnotherGeometryIsRefused() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        _ = try CounterTable(path: path, capacity: 8)
        #expect(throws: SystemCallError.self) { try CounterTable(path: path, capacity: 16) }
        #expect(throws: SystemCallError.self) { try LastUsedTable(path: path, capacity: 8) }
    }
}
