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
/// A record's words are named by ``CounterRecordWord`` and read through a ``CounterRecord`` view; which policy of a key
/// uses which word is ``PolicyWords``' decision. A slot reused by another key (another owner fingerprint) starts from
/// zero.
public final class CounterTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3152_544E_4347_4B  // "KGCNTR1" little-endian
    public static let layoutVersion: UInt32 = 1
    public static let wordsPerRecord = CounterRecordWord.count
    public static let recordBytes = CounterRecord.byteCount

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
    public convenience init(
        path: String, capacity: Int, opening: Mapping.Opening, probe: (@Sendable (CriticalPoint) -> Void)? = nil
    ) throws(SystemCallError) {
        precondition(capacity > 0, "capacity must be positive")
        self.init(
            mapping: try Mapping(path: path, expecting: Self.header(capacity: capacity), opening: opening),
            capacity: capacity, probe: probe)
    }

    /// A table of `capacity` key slots in anonymous shared memory: no file, seen only by this process (and children
    /// it forks). For tests and tools that need real counters without a path.
    public convenience init(inMemoryCapacity capacity: Int) throws(SystemCallError) {
        precondition(capacity > 0, "capacity must be positive")
        self.init(mapping: try Mapping(anonymous: Self.header(capacity: capacity)), capacity: capacity, probe: nil)
    }

    /// The table in `mapping`, whose header says `capacity` key slots.
    private init(mapping: Mapping, capacity: Int, probe: (@Sendable (CriticalPoint) -> Void)?) {
        self.probe = probe
        self.mapping = mapping
        self.capacity = capacity
        self.words = (self.mapping.base + Mapping.Header.size)
            .bindMemory(to: Atomic<UInt64>.self, capacity: capacity * Self.wordsPerRecord)
    }

    /// The record of `slot`.
    func record(slot: Int) -> CounterRecord {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range 0..<\(self.capacity)")
        return CounterRecord(self.words + slot * Self.wordsPerRecord)
    }

    /// The words of `policies`; policies that do not fit a record are refused where they are accepted (the key store,
    /// its lookups), so here they are a bug.
    static func policyWords(of policies: PolicySet) -> PolicyWords {
        switch PolicyWords.assigning(policies) {
        case .success(let words): return words
        case .failure(let misfit): preconditionFailure("\(misfit): refuse such policies where they are accepted")
        }
    }

    /// Evaluates `policies` for one request of `cost` against `slot`, and commits every new state or none.
    ///
    /// With `dryRun` nothing is written (explain paths, `keygate check --dry-run`). `nil` only if a live process holds
    /// the slot's lease past ``Lease/waitMillis`` (stopped or stalled inside the section), and then at once for later
    /// calls while it still holds it: see ``leaseHolder(slot:)``. `policies` must fit a record (``PolicyWords``).
    public func admit(
        slot: Int, owner: UInt64 = 0, policies: PolicySet, cost: Int64, nowMicros: Int64, dryRun: Bool = false
    ) -> PolicySetEvaluation? {
        self.admit(
            slot: slot, owner: owner, policies: policies, words: Self.policyWords(of: policies), cost: cost,
            nowMicros: nowMicros, dryRun: dryRun)
    }

    /// ``admit(slot:owner:policies:cost:nowMicros:dryRun:)`` with the words of `policies` already assigned
    /// (``PolicyWords/assigning(_:)``, once per cached key rather than once per request).
    public func admit(
        slot: Int, owner: UInt64 = 0, policies: PolicySet, words: PolicyWords, cost: Int64, nowMicros: Int64,
        dryRun: Bool = false
    ) -> PolicySetEvaluation? {
        precondition(words.count == policies.stateCount, "policy words assigned for other policies")
        let record = self.record(slot: slot)
        // The old states live on the stack: the request path allocates only the evaluation.
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words.count) { states in
            self.admit(
                record: record, owner: owner, policies: policies, words: words, states: states, cost: cost,
                nowMicros: nowMicros, dryRun: dryRun)
        }
    }

    /// ``admit(slot:owner:policies:cost:nowMicros:dryRun:)`` on `record`, with scratch space for the old states.
    private func admit(
        record: CounterRecord, owner: UInt64, policies: PolicySet, words: PolicyWords,
        states: UnsafeMutableBufferPointer<UInt64>, cost: Int64, nowMicros: Int64, dryRun: Bool
    ) -> PolicySetEvaluation? {
        guard let token = self.lease.acquire(record.lease) else { return nil }
        let probe = self.probe
        if let probe { probe(.acquired) }
        if owner != 0 && record.owner != owner {
            // Another key had this slot (deleted since): its state is not this key's.
            record.clearAllButLease()
            record.owner = owner
            // (Counts and the rolled-up marks both restart at zero: the old key's unrolled requests are dropped.)
        }
        for position in 0..<words.count { states[position] = record[words[position]] }
        if let probe { probe(.statesRead) }
        let evaluation = policies.evaluating(states: UnsafeBufferPointer(states), cost: cost, nowMicros: nowMicros)
        if let probe { probe(.evaluated) }
        if !dryRun {
            // Killed from here on, the request may stay partly charged (never served): it can only under-admit.
            if evaluation.admitted {
                var stored = false
                for position in 0..<words.count where evaluation.evaluations[position].newState != states[position] {
                    record[words[position]] = evaluation.evaluations[position].newState
                    if !stored, let probe { probe(.midCommit) }
                    stored = true
                }
                record.countAdmitted()
            } else {
                record.countRejected()
            }
        }
        if let probe { probe(.beforeRelease) }
        self.lease.release(record.lease, token: token)
        return evaluation
    }

    /// Counts one request of the key `owner` in `slot`, admitted or rejected, without any policy (its limits were
    /// decided elsewhere: shared with other hosts). A slot another key had restarts from zero, as in ``admit``.
    public func count(slot: Int, owner: UInt64, admitted: Bool) {
        guard slot < self.capacity else { return }
        let record = self.record(slot: slot)
        guard let token = self.lease.acquire(record.lease) else { return }
        if owner != 0 && record.owner != owner {
            record.clearAllButLease()
            record.owner = owner
        }
        if admitted { record.countAdmitted() } else { record.countRejected() }
        self.lease.release(record.lease, token: token)
    }

    /// The pid holding `slot`'s lease at this moment, if any (to name a stuck process in a log line).
    public func leaseHolder(slot: Int) -> Int32? {
        Lease.holder(self.record(slot: slot).lease)
    }

    /// Requests admitted and rejected against `slot` since the file was created (monotonic, for usage roll-ups).
    public func counts(slot: Int) -> (admitted: UInt64, rejected: UInt64) {
        let record = self.record(slot: slot)
        return (record.admitted, record.rejected)
    }

    /// Slots whose admitted or rejected counts moved since they were last marked rolled up, with the new requests.
    ///
    /// Call under the roll-up lock (``UsageRollupLock``) and mark each row with ``markRolledUp(slot:admitted:rejected:)``
    /// once it is stored, so that any process (a supervisor, or one of mod_fcgid's copies) can roll up, one at a time.
    public func pendingUsage() -> [(
        slot: Int, admitted: UInt64, rejected: UInt64, newAdmitted: UInt64, newRejected: UInt64
    )] {
        var rows: [(slot: Int, admitted: UInt64, rejected: UInt64, newAdmitted: UInt64, newRejected: UInt64)] = []
        for slot in 0..<self.capacity {
            let record = self.record(slot: slot)
            let admitted = record.admitted
            let rejected = record.rejected
            let doneAdmitted = record.rolledAdmitted
            let doneRejected = record.rolledRejected
            guard admitted != doneAdmitted || rejected != doneRejected else { continue }
            rows.append((slot, admitted, rejected, admitted &- doneAdmitted, rejected &- doneRejected))
        }
        return rows
    }

    /// Slots a key has claimed (a nonzero owner): a scan of the whole file, for a metrics scrape, not a request.
    public func slotsInUse() -> Int {
        var count = 0
        for slot in 0..<self.capacity where self.record(slot: slot).owner != 0 { count += 1 }
        return count
    }

    /// Records that `slot`'s counts up to `admitted`/`rejected` are stored in SQLite.
    public func markRolledUp(slot: Int, admitted: UInt64, rejected: UInt64) {
        let record = self.record(slot: slot)
        record.rolledAdmitted = admitted
        record.rolledRejected = rejected
    }

    /// Sets `slot`'s quota words from request counts kept elsewhere (SQLite's `usage_daily`), when this file had to be
    /// recreated: a lost counters file must not hand out a fresh month.
    public func seedQuotas(
        slot: Int, owner: UInt64, quotas: [QuotaPolicy], usedToday: Int64, usedThisMonth: Int64,
        nowMicros: Int64
    ) {
        let record = self.record(slot: slot)
        let words = Self.policyWords(of: PolicySet(quotas: quotas))
        guard let token = self.lease.acquire(record.lease) else { return }
        record.owner = owner
        for (position, quota) in quotas.enumerated() {
            let used = max(0, min(quota.window == .day ? usedToday : usedThisMonth, Int64(UInt32.max)))
            let window = UInt64(quota.windowIndex(containing: nowMicros)) << 32
            record[words[position]] = window | UInt64(used)
        }
        self.lease.release(record.lease, token: token)
    }

    /// Zeroes a slot's policy state (a key deleted and its slot reused), under its lease.
    public func reset(slot: Int) {
        let record = self.record(slot: slot)
        guard let token = self.lease.acquire(record.lease) else { return }
        record.clearAllButLease()
        self.lease.release(record.lease, token: token)
    }

    /// `slot`'s owner and words, read together under its lease, with every word that is not policy state zeroed;
    /// `nil` if the lease could not be had (the next roll-up tries again).
    public func policySnapshot(slot: Int) -> (owner: UInt64, words: [UInt64])? {
        let record = self.record(slot: slot)
        var words = [UInt64](repeating: 0, count: Self.wordsPerRecord)
        guard let token = self.lease.acquire(record.lease) else { return nil }
        let owner = record.owner
        for word in CounterRecordWord.policyWords { words[word.rawValue] = record[word] }
        self.lease.release(record.lease, token: token)
        return (owner, words)
    }

    /// Sets `slot`'s owner and policy words from a snapshot (a rebuilt file), under its lease; other words are kept.
    public func restorePolicy(slot: Int, owner: UInt64, words: [UInt64]) {
        precondition(words.count == Self.wordsPerRecord, "a snapshot has \(Self.wordsPerRecord) words")
        let record = self.record(slot: slot)
        guard let token = self.lease.acquire(record.lease) else { return }
        record.owner = owner
        for word in CounterRecordWord.policyWords { record[word] = words[word.rawValue] }
        self.lease.release(record.lease, token: token)
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
