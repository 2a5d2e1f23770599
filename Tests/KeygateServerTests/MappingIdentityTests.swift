import Glibc
import KeygateCore
import KeygateSystem
import Testing

@testable import KeygateZone

/// A shared file's id, the ways it may be opened, and what happens when it is truncated or replaced underneath.
struct MappingIdentityTests {
    let header = CounterTable.header(capacity: 8)

    func storedID(_ path: String) -> UInt64 {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var id: UInt64 = 0
        _ = pread(fd, &id, 8, off_t(Mapping.fileIDOffset))
        return id
    }

    @Test func aNewFileGetsANonzeroIdThatReopeningKeepsAndAFreshStartReplaces() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let first = try Mapping(path: path, expecting: self.header, opening: .openOrCreate)
        #expect(first.created && first.fileID != 0)
        #expect(self.storedID(path) == first.fileID)
        let again = try Mapping(path: path, expecting: self.header, opening: .existing(fileID: first.fileID))
        #expect(!again.created && again.fileID == first.fileID)
        let fresh = try Mapping(path: path, expecting: self.header, opening: .fresh)
        #expect(fresh.created && fresh.fileID != first.fileID && fresh.fileID != 0)
    }

    @Test func aFileFromBeforeIdsIsAdoptedWithAnId() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        do {
            _ = try Mapping(path: path, expecting: self.header, opening: .openOrCreate)
            var zero: UInt64 = 0
            let fd = open(path, O_RDWR)
            _ = pwrite(fd, &zero, 8, off_t(Mapping.fileIDOffset))
            close(fd)
        }
        #expect(try Mapping.probe(path: path, expecting: self.header) == .present(fileID: 0))
        let adopted = try Mapping(path: path, expecting: self.header, opening: .openOrCreate)
        #expect(!adopted.created && adopted.fileID != 0)
        #expect(self.storedID(path) == adopted.fileID)
    }

    @Test func openingAnExistingFileNeverCreatesOneAndRefusesAnotherId() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        #expect(throws: SystemCallError.self) {
            try Mapping(path: path, expecting: self.header, opening: .existing(fileID: 7))
        }
        #expect(access(path, F_OK) != 0, "a worker must not create the counters file")
        let made = try Mapping(path: path, expecting: self.header, opening: .openOrCreate)
        let error = #expect(throws: SystemCallError.self) {
            try Mapping(path: path, expecting: self.header, opening: .existing(fileID: made.fileID &+ 1))
        }
        #expect(error?.description.contains("not the file this keygate started with") == true)
    }

    @Test func probeTellsMissingEmptyIncompatibleAndPresent() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        #expect(try Mapping.probe(path: path, expecting: self.header) == .missing)
        close(open(path, O_CREAT | O_RDWR, 0o600))
        #expect(try Mapping.probe(path: path, expecting: self.header) == .empty)
        let made = try Mapping(path: path, expecting: self.header, opening: .openOrCreate)
        #expect(try Mapping.probe(path: path, expecting: self.header) == .present(fileID: made.fileID))
        guard case .incompatible(let text) = try Mapping.probe(path: path, expecting: CounterTable.header(capacity: 9))
        else {
            Issue.record("another capacity was not incompatible")
            return
        }
        #expect(text.contains("capacity 8"))
    }

    @Test func truncatingTheFileUnderTheMappingMarksItLostInsteadOfCrashing() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 64)
        let policies = PolicySet(credits: CreditPolicy(initial: 2))
        let now: Int64 = 1_800_000_000_000_000
        #expect(table.admit(slot: 60, policies: policies, cost: 1, nowMicros: now)?.admitted == true)
        #expect(table.mapping.checkIntact())
        #expect(truncate(path, 0) == 0)
        // Slot 60 is past the new end: the access raises SIGBUS, which swaps in zero pages and marks the table lost.
        _ = table.admit(slot: 60, policies: policies, cost: 1, nowMicros: now)
        #expect(table.mapping.isLost)
        #expect(!table.mapping.checkIntact())
    }

    @Test(arguments: ["half", "replaced", "deleted"])
    func theSweepCheckNoticesAShorterReplacedOrDeletedFile(_ how: String) throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let table = try CounterTable(path: path, capacity: 64)
        #expect(table.mapping.checkIntact())
        switch how {
        case "half": #expect(truncate(path, off_t(table.mapping.byteCount / 2)) == 0)
        case "replaced":
            let other = temporaryPath()
            _ = try CounterTable(path: other, capacity: 64)
            #expect(rename(other, path) == 0)
        default: #expect(unlink(path) == 0)
        }
        #expect(!table.mapping.isLost, "nothing touched the missing pages yet")
        #expect(!table.mapping.checkIntact())
        #expect(table.mapping.isLost)
    }

    @Test func aSIGBUSOutsideAnyKeygateMappingStillKillsTheProcess() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        _ = try CounterTable(path: path, capacity: 8)  // installs the handler in this process
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        let size = 4096
        #expect(ftruncate(fd, off_t(size)) == 0)
        let mapped = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
        defer { munmap(mapped, size) }
        let child = fork()
        if child == 0 {
            // Only system calls and a plain store in the child.
            ftruncate(fd, 0)
            mapped.storeBytes(of: 1, as: UInt8.self)
            _exit(0)
        }
        var status: CInt = 0
        var reaped: pid_t = 0
        for _ in 0..<1_000 where reaped == 0 {
            reaped = waitpid(child, &status, WNOHANG)
            if reaped == 0 { usleep(10_000) }
        }
        if reaped == 0 { kill(child, SIGKILL) }
        #expect(reaped == child)
        #expect(status & 0x7f == SIGBUS, "status \(status)")
    }

    @Test func policyWordsSurviveASnapshotIntoAFreshFile() throws {
        let path = temporaryPath(), other = temporaryPath()
        defer {
            unlink(path)
            unlink(other)
        }
        let policies = PolicySet(
            rateLimits: [RateLimitPolicy(limit: 3, periodMicros: 86_400_000_000)],
            quotas: [QuotaPolicy(limit: 10, window: .month)], credits: CreditPolicy(initial: 5))
        let now: Int64 = 1_800_000_000_000_000
        let owner = CounterTable.fingerprint(of: "kid_a")
        let table = try CounterTable(path: path, capacity: 8)
        for _ in 0..<3 { _ = table.admit(slot: 2, owner: owner, policies: policies, cost: 1, nowMicros: now) }
        let snapshot = try #require(table.policySnapshot(slot: 2))
        #expect(snapshot.owner == owner)
        #expect(
            snapshot.words[CounterRecordWord.admitted.rawValue] == 0 && snapshot.words[0] == 0, "no counts, no lease")
        let rebuilt = try CounterTable(path: other, capacity: 8, opening: .fresh)
        rebuilt.restorePolicy(slot: 2, owner: snapshot.owner, words: snapshot.words)
        let before = table.admit(slot: 2, owner: owner, policies: policies, cost: 1, nowMicros: now)
        let after = rebuilt.admit(slot: 2, owner: owner, policies: policies, cost: 1, nowMicros: now)
        #expect(before?.admitted == false && after?.admitted == false, "the 3/day limit was spent")
        #expect(before?.newStates == after?.newStates)
    }
}
