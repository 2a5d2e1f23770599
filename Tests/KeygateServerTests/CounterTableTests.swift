import Glibc
import KeygateCore
import KeygateSystem
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
        let outcomes = (0..<5).map { _ in
            table.admit(slot: 3, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted
        }
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
        #expect(
            table.admit(slot: 5, owner: old, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == false)
        #expect(
            table.admit(slot: 5, owner: new, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
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

    func plantLease(_ table: CounterTable, slot: Int, pid: pid_t, startTime: UInt64, sequence: UInt32 = 0) {
        let word = table.mapping.base + Mapping.Header.size + slot * CounterTable.recordBytes
        word.storeBytes(of: LeaseWord(pid: pid, startTime: startTime, sequence: sequence).rawValue, as: UInt64.self)
    }

    /// Spawns `argv`; the caller kills and reaps it.
    func spawn(_ argv: [String]) -> pid_t {
        var child: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        posix_spawn(&child, argv[0], nil, nil, arguments, nil)
        return child
    }

    func admitTimed(_ table: CounterTable, slot: Int) -> (admitted: Bool?, millis: Int64) {
        let start = Lease.monotonicMillis()
        let admitted = table.admit(slot: slot, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted
        return (admitted, Lease.monotonicMillis() - start)
    }

    /// A waiter that gave up on one hold must not fail the owner's next hold at once: a busy owner releases and takes
    /// the same record again and again, and only the same hold still in place means it is stuck.
    @Test func theStuckMemoKnowsOneHoldFromTheNext() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let owner = getppid()
        let startTime = try #require(ProcessStat.read(pid: owner)).startTime
        self.plantLease(table, slot: 4, pid: owner, startTime: startTime, sequence: 7)
        #expect(self.admitTimed(table, slot: 4).admitted == nil)
        #expect(self.admitTimed(table, slot: 4).millis < Lease.waitMillis / 2, "the same hold: at once")
        // The owner released and took the record again (its next hold): waited for as usual, not failed at once.
        self.plantLease(table, slot: 4, pid: owner, startTime: startTime, sequence: 8)
        let next = self.admitTimed(table, slot: 4)
        #expect(next.admitted == nil)
        #expect(next.millis >= Lease.waitMillis - 5, "a new hold is waited for")
    }

    @Test func aLeaseLeftByADeadProcessIsTakenOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        // A child that exits at once leaves a pid that no longer exists.
        let child = self.spawn(["/bin/true"])
        var status: Int32 = 0
        waitpid(child, &status, 0)
        self.plantLease(table, slot: 1, pid: child, startTime: 12_345)
        #expect(table.admit(slot: 1, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
    }

    @Test func aLiveOwnersLeaseIsNeverTakenOverAndLaterCallsFailAtOnce() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let owner = getppid()
        let startTime = try #require(ProcessStat.read(pid: owner)).startTime
        // Held for as long as you like: a live owner's lease has no expiry.
        self.plantLease(table, slot: 2, pid: owner, startTime: startTime)
        let first = self.admitTimed(table, slot: 2)
        #expect(first.admitted == nil)
        #expect(first.millis >= Lease.waitMillis - 5, "the first caller waits for the owner")
        #expect(table.leaseHolder(slot: 2) == owner)
        // Later calls that find the same owner on the same record fail without waiting.
        for _ in 0..<20 {
            let later = self.admitTimed(table, slot: 2)
            #expect(later.admitted == nil)
            #expect(later.millis < Lease.waitMillis / 2)
        }
        // Other records are unaffected; released, the record is usable at once.
        #expect(table.admit(slot: 3, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
        (table.mapping.base + Mapping.Header.size + 2 * CounterTable.recordBytes).storeBytes(of: 0, as: UInt64.self)
        #expect(table.admit(slot: 2, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
        #expect(table.leaseHolder(slot: 2) == nil)
    }

    @Test func aLeaseWhosePidNowNamesAnotherProcessIsTakenOver() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let owner = getppid()
        let startTime = try #require(ProcessStat.read(pid: owner)).startTime
        self.plantLease(table, slot: 4, pid: owner, startTime: startTime + 1)
        #expect(table.admit(slot: 4, policies: self.policies, cost: 1, nowMicros: self.now)?.admitted == true)
    }

    @Test func aStuckOwnerThatDiesIsTakenOverAtTheNextRecheck() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let child = self.spawn(["/bin/sleep", "30"])
        #expect(Self.eventually { ProcessStat.read(pid: child)?.state == UInt8(ascii: "S") })
        let startTime = try #require(ProcessStat.read(pid: child)).startTime
        self.plantLease(table, slot: 5, pid: child, startTime: startTime)
        #expect(self.admitTimed(table, slot: 5).admitted == nil)
        kill(child, SIGKILL)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        usleep(UInt32(StuckLeaseMemo.recheckMillis + 50) * 1_000)
        #expect(self.admitTimed(table, slot: 5).admitted == true)
    }

    @Test func aZombieOwnerIsGone() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 8)
        let child = self.spawn(["/bin/true"])
        // Not reaped yet: the pid still exists, as a zombie that will never run again.
        #expect(Self.eventually { ProcessStat.read(pid: child)?.hasExited == true })
        let startTime = try #require(ProcessStat.read(pid: child)).startTime
        self.plantLease(table, slot: 6, pid: child, startTime: startTime)
        #expect(self.admitTimed(table, slot: 6).admitted == true)
        var status: Int32 = 0
        waitpid(child, &status, 0)
    }

    /// Polls `condition` every 10 ms for up to 5 s.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func aFileOfAnotherGeometryIsRefused() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        _ = try CounterTable(path: path, capacity: 8)
        #expect(throws: SystemCallError.self) { try CounterTable(path: path, capacity: 16) }
        #expect(throws: SystemCallError.self) { try LastUsedTable(path: path, capacity: 8) }
    }
}
