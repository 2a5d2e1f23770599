import Glibc
import KeygateCore
import KeygateSystem
import Synchronization

/// Rate-limit, quota and credit state of every key, one 128-byte record per key slot, shared by every process that
/// maps the same file (keygate's workers, or the independent copies Apache's mod_fcgid spawns).
///
/// A request must pass every policy of its key or consume from none (all or nothing), so one key's words are
/// committed together inside a short critical section guarded by a *lease* word (``Lease``): the owner's pid and
/// start time in one atomic 64-bit value. Only a dead owner's lease is taken over, so a paused owner never overwrites
/// what others committed meanwhile; while a live owner is stuck, its key's requests get `nil` (503). The section itself
/// makes no system call and allocates nothing.
///
/// Record layout (64-bit words): 0 lease; 2-5 rate limits per second, minute, hour, day (GCRA state);
/// 6 daily quota; 7 monthly quota; 8 credits; 9 admitted and 10 rejected request counts (for usage roll-ups);
/// 11 the owning key's fingerprint (a slot reused by another key starts from zero); 12 and 13 the admitted and
/// rejected counts already rolled up into SQLite; 14-15 rate limits with other periods. Unused words stay zero.
public final class CounterTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3152_544E_4347_4B  // "KGCNTR1" little-endian
    public static let layoutVersion: UInt32 = 1
    public static let wordsPerRecord = 16
    public static let recordBytes = 16 * 8

    static let admittedWord = 9
    static let rejectedWord = 10
    static let ownerWord = 11
    static let rolledAdmittedWord = 12
    static let rolledRejectedWord = 13

    /// The points of ``admit(slot:owner:policies:cost:nowMicros:dryRun:)``'s critical section where a test can pause.
    public enum CriticalPoint: String, CaseIterable, Sendable {
        /// The lease is held, nothing read yet.
        case acquired
        /// The old states are read.
        case statesRead = "states-read"
        /// The request is decided, nothing written yet.
        case evaluated
        /// The first new state is stored, the others not yet (admitted requests that change a state only).
        case midCommit = "mid-commit"
        /// Everything is written; the lease is about to be released.
        case beforeRelease = "before-release"
    }

    public let mapping: Mapping
    public let capacity: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let lease = Lease()
    /// Called at each ``CriticalPoint`` (tests pause a real process there); `nil` in production.
    private let probe: (@Sendable (CriticalPoint) -> Void)?

    /// Maps (creating if needed) the table at `path` with `capacity` key slots.
    public convenience init(
        path: String, capacity: Int, rebuild: Bool = false, probe: (@Sendable (CriticalPoint) -> Void)? = nil
    ) throws(SystemCallError) {
        try self.init(
            path: path, capacity: capacity, opening: rebuild ? .recreatingMismatched : .openOrCreate, probe: probe)
    }

    /// The header of a counters file with `capacity` key slots.
    public static func header(capacity: Int) -> Mapping.Header {
        Mapping.Header(
            magic: Self.magic, layoutVersion: Self.layoutVersion,
            byteCount: UInt64(Mapping.Header.size + capacity * Self.recordBytes), capacity: UInt64(capacity))
    }

    /// Maps the table at `path` with `capacity` key slots, as `opening` says (workers: `.existing`, never creating).
    public init(
        path: String, capacity: Int, opening: Mapping.Opening, probe: (@Sendable (CriticalPoint) -> Void)? = nil
    ) throws(SystemCallError) {
        precondition(capacity > 0, "capacity must be positive")
        self.probe = probe
        self.mapping = try Mapping(path: path, expecting: Self.header(capacity: capacity), opening: opening)
        self.capacity = capacity
        self.words = (self.mapping.base + Mapping.Header.size)
            .bindMemory(to: Atomic<UInt64>.self, capacity: capacity * Self.wordsPerRecord)
    }

    /// Writes the word of a record that holds the state of each policy, in `PolicySet` state order, to `indices`
    /// (room for `policies.stateCount`).
    static func wordIndices(for policies: PolicySet, into indices: UnsafeMutableBufferPointer<Int>) {
        var position = 0
        var spare = 14
        for limit in policies.rateLimits {
            switch limit.periodMicros {
            case 1_000_000: indices[position] = 2
            case 60_000_000: indices[position] = 3
            case 3_600_000_000: indices[position] = 4
            case 86_400_000_000: indices[position] = 5
            default:
                precondition(spare < 16, "more than two rate limits with unusual periods")
                indices[position] = spare
                spare += 1
            }
            position += 1
        }
        for quota in policies.quotas {
            indices[position] = quota.window == .day ? 6 : 7
            position += 1
        }
        if policies.credits != nil { indices[position] = 8 }
    }

    /// Evaluates `policies` for one request of `cost` against `slot`, and commits every new state or none.
    ///
    /// With `dryRun` nothing is written (explain paths, `keygate check --dry-run`). `nil` only if a live process holds
    /// the slot's lease past ``Lease/waitMillis`` (stopped or stalled inside the section), and then at once for later
    /// calls while it still holds it: see ``leaseHolder(slot:)``.
    public func admit(
        slot: Int, owner: UInt64 = 0, policies: PolicySet, cost: Int64, nowMicros: Int64, dryRun: Bool = false
    ) -> PolicySetEvaluation? {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range 0..<\(self.capacity)")
        let count = policies.stateCount
        // Word indices and old states live on the stack: the request path allocates only the evaluation.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { indices in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { states in
                Self.wordIndices(for: policies, into: indices)
                return self.admit(
                    record: self.words + slot * Self.wordsPerRecord, owner: owner, policies: policies,
                    indices: UnsafeBufferPointer(indices), states: states, cost: cost, nowMicros: nowMicros,
                    dryRun: dryRun)
            }
        }
    }

    /// ``admit(slot:owner:policies:cost:nowMicros:dryRun:)`` on `record`, with scratch space for the old states.
    private func admit(
        record: UnsafeMutablePointer<Atomic<UInt64>>, owner: UInt64, policies: PolicySet,
        indices: UnsafeBufferPointer<Int>, states: UnsafeMutableBufferPointer<UInt64>, cost: Int64, nowMicros: Int64,
        dryRun: Bool
    ) -> PolicySetEvaluation? {
        guard let token = self.lease.acquire(record) else { return nil }
        let probe = self.probe
        if let probe { probe(.acquired) }
        if owner != 0 && record[Self.ownerWord].load(ordering: .relaxed) != owner {
            // Another key had this slot (deleted since): its state is not this key's.
            for index in 2..<Self.wordsPerRecord { record[index].store(0, ordering: .relaxed) }
            record[Self.ownerWord].store(owner, ordering: .relaxed)
            // (Counts and the rolled-up marks both restart at zero: the old key's unrolled requests are dropped.)
        }
        for (position, index) in indices.enumerated() { states[position] = record[index].load(ordering: .relaxed) }
        if let probe { probe(.statesRead) }
        let evaluation = policies.evaluating(states: UnsafeBufferPointer(states), cost: cost, nowMicros: nowMicros)
        if let probe { probe(.evaluated) }
        if !dryRun {
            // Killed from here on, the request may stay partly charged (never served): it can only under-admit.
            if evaluation.admitted {
                var stored = false
                for (position, index) in indices.enumerated() where evaluation.newStates[position] != states[position] {
                    record[index].store(evaluation.newStates[position], ordering: .relaxed)
                    if !stored, let probe { probe(.midCommit) }
                    stored = true
                }
                record[Self.admittedWord].wrappingAdd(1, ordering: .relaxed)
            } else {
                record[Self.rejectedWord].wrappingAdd(1, ordering: .relaxed)
            }
        }
        if let probe { probe(.beforeRelease) }
        self.lease.release(record, token: token)
        return evaluation
    }

    /// The pid holding `slot`'s lease at this moment, if any (to name a stuck process in a log line).
    public func leaseHolder(slot: Int) -> Int32? {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        return Lease.holder(self.words + slot * Self.wordsPerRecord)
    }

    /// Requests admitted and rejected against `slot` since the file was created (monotonic, for usage roll-ups).
    public func counts(slot: Int) -> (admitted: UInt64, rejected: UInt64) {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        let record = self.words + slot * Self.wordsPerRecord
        return (record[Self.admittedWord].load(ordering: .relaxed), record[Self.rejectedWord].load(ordering: .relaxed))
    }

    /// Slots whose admitted or rejected counts moved since they were last marked rolled up, with the new requests.
    ///
    /// Call under the roll-up lock (``UsageRollupLock``) and mark each row with ``markRolledUp(slot:admitted:rejected:)``
    /// once it is stored, so that any process (a supervisor, or one of mod_fcgid's copies) can roll up, one at a time.
    public func pendingUsage() -> [(slot: Int, admitted: UInt64, rejected: UInt64, newAdmitted: UInt64, newRejected: UInt64)] {
        var rows: [(slot: Int, admitted: UInt64, rejected: UInt64, newAdmitted: UInt64, newRejected: UInt64)] = []
        for slot in 0..<self.capacity {
            let record = self.words + slot * Self.wordsPerRecord
            let admitted = record[Self.admittedWord].load(ordering: .relaxed)
            let rejected = record[Self.rejectedWord].load(ordering: .relaxed)
            let doneAdmitted = record[Self.rolledAdmittedWord].load(ordering: .relaxed)
            let doneRejected = record[Self.rolledRejectedWord].load(ordering: .relaxed)
            guard admitted != doneAdmitted || rejected != doneRejected else { continue }
            rows.append((slot, admitted, rejected, admitted &- doneAdmitted, rejected &- doneRejected))
        }
        return rows
    }

    /// Records that `slot`'s counts up to `admitted`/`rejected` are stored in SQLite.
    public func markRolledUp(slot: Int, admitted: UInt64, rejected: UInt64) {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        let record = self.words + slot * Self.wordsPerRecord
        record[Self.rolledAdmittedWord].store(admitted, ordering: .relaxed)
        record[Self.rolledRejectedWord].store(rejected, ordering: .relaxed)
    }

    /// Sets `slot`'s quota words from request counts kept elsewhere (SQLite's `usage_daily`), when this file had to be
    /// recreated: a lost counters file must not hand out a fresh month.
    public func seedQuotas(slot: Int, owner: UInt64, quotas: [QuotaPolicy], usedToday: Int64, usedThisMonth: Int64,
                           nowMicros: Int64) {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        let record = self.words + slot * Self.wordsPerRecord
        guard let token = self.lease.acquire(record) else { return }
        record[Self.ownerWord].store(owner, ordering: .relaxed)
        for quota in quotas {
            let used = max(0, min(quota.window == .day ? usedToday : usedThisMonth, Int64(UInt32.max)))
            let window = UInt64(quota.windowIndex(containing: nowMicros)) << 32
            record[quota.window == .day ? 6 : 7].store(window | UInt64(used), ordering: .relaxed)
        }
        self.lease.release(record, token: token)
    }

    /// Zeroes a slot's policy state (a key deleted and its slot reused), under its lease.
    public func reset(slot: Int) {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        let record = self.words + slot * Self.wordsPerRecord
        guard let token = self.lease.acquire(record) else { return }
        for index in 1..<Self.wordsPerRecord { record[index].store(0, ordering: .relaxed) }
        self.lease.release(record, token: token)
    }

    /// Words of a record that hold policy state (rate limits, quotas, credits): what a snapshot keeps.
    public static let policyWordIndices = [2, 3, 4, 5, 6, 7, 8, 14, 15]

    /// `slot`'s owner and words, read together under its lease, with every word that is not policy state zeroed;
    /// `nil` if the lease could not be had (the next roll-up tries again).
    public func policySnapshot(slot: Int) -> (owner: UInt64, words: [UInt64])? {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        let record = self.words + slot * Self.wordsPerRecord
        var words = [UInt64](repeating: 0, count: Self.wordsPerRecord)
        guard let token = self.lease.acquire(record) else { return nil }
        let owner = record[Self.ownerWord].load(ordering: .relaxed)
        for index in Self.policyWordIndices { words[index] = record[index].load(ordering: .relaxed) }
        self.lease.release(record, token: token)
        return (owner, words)
    }

    /// Sets `slot`'s owner and policy words from a snapshot (a rebuilt file), under its lease; other words are kept.
    public func restorePolicy(slot: Int, owner: UInt64, words: [UInt64]) {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range")
        precondition(words.count == Self.wordsPerRecord, "a snapshot has \(Self.wordsPerRecord) words")
        let record = self.words + slot * Self.wordsPerRecord
        guard let token = self.lease.acquire(record) else { return }
        record[Self.ownerWord].store(owner, ordering: .relaxed)
        for index in Self.policyWordIndices { record[index].store(words[index], ordering: .relaxed) }
        self.lease.release(record, token: token)
    }

    /// A nonzero fingerprint of a key id (FNV-1a), stamped on the record the key uses.
    public static func fingerprint(of keyID: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in keyID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }

}
