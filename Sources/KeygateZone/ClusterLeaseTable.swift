import Glibc
import KeygateCore
import KeygateSystem
import Synchronization

/// The permits one host holds of limits shared through Redis, and the demand for more: the one place where the
/// workers and the host's agent meet (`--limits-from`).
///
/// Workers decide from it without any network I/O (``admit(slot:owner:policies:cost:nowMicros:dryRun:)``, through
/// ``LeasedPermits``); the agent, the only process that talks to Redis, fills it. A worker short of permits sets its
/// slot's bit in the demand bitmap and wakes the agent through a futex on a shared word (``requestPermits(slot:)``);
/// it may then wait a bounded time for the slot's grant word to move (``waitForGrant(slot:after:timeoutMillis:)``).
///
/// Layout after the file header: a control block (``Control``: the agent's heartbeat and the outage share it
/// publishes, the wake word), the demand bitmap (one bit per slot), then one 512-byte record per key slot (``Field``:
/// lease, owner, grant sequence, rate-lease expiry, need, then ``LeasedPermits/wordsPerPolicy`` words per policy). A record
/// is read and written only under its lease (``Lease``), by workers and agent alike, so a request spends from every
/// policy or none and the agent never adds to a record a worker is deciding from.
public final class ClusterLeaseTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3153_4C47_4B  // "KGLS1" little-endian
    public static let layoutVersion: UInt32 = 1
    static let recordWords = 64
    static let controlWords = 16
    /// The most policies a key may have when its limits are shared (rate limits and quotas).
    public static let maximumPolicies = (recordWords - Field.policies.rawValue) / LeasedPermits.wordsPerPolicy
    /// An agent whose heartbeat is older than this is taken for gone: workers fall back to the outage share.
    public static let agentStaleMicros: Int64 = 2_000_000

    /// Words of the control block.
    enum Control: Int {
        /// The agent's last heartbeat, Unix microseconds (0: no agent has run yet).
        case heartbeat = 0
        /// 0 while Redis is reachable; else the number of hosts each rate limit is split between (the outage share).
        case outageNodes = 1
        /// The futex word the agent sleeps on; workers add one and wake it when they set a demand bit.
        case wake = 2
        /// The share to fall back to when the agent itself is gone (set at startup: `--cluster-max-nodes`).
        case fallbackNodes = 3
        /// The agent's counts (``AgentCount``), one word each from here on; the agent is their only writer.
        case agentCounts = 4
    }

    /// What the agent counts, for the metrics server: every word has the agent as its only writer.
    public enum AgentCount: Int, CaseIterable, Sendable {
        /// Calls made to Redis (leases, returns, membership), and those that failed or timed out.
        case redisCalls = 0
        case redisFailures = 1
        /// Permits Redis granted, and permits given back.
        case permitsLeased = 2
        case permitsReturned = 3
        /// Times the breaker opened (Redis found unreachable).
        case breakerOpens = 4
        /// Hosts seen in Redis's member set in the last 5 s.
        case nodesSeen = 5
    }

    /// Words of a record.
    enum Field: Int {
        case lease = 0
        /// The fingerprint of the key whose permits the record holds (``CounterTable/fingerprint(of:)``).
        case owner = 1
        /// Bumped by the agent after each grant (a futex word: workers waiting for permits sleep on it).
        case grant = 2
        /// Until when the record's rate permits are good (Unix microseconds); the agent gives back what is left after.
        case rateExpiry = 3
        /// The largest cost a worker found no permits for since the agent last looked (a lease must cover it).
        case need = 4
        /// The first policy's words (``LeasedPermits``).
        case policies = 8
    }

    /// A copy of one record, for the agent to read and change under the record's lease.
    public struct Record: Sendable, Equatable {
        public var owner: UInt64
        public var rateExpiryMicros: Int64
        /// ``LeasedPermits/wordsPerPolicy`` words per policy, ``maximumPolicies`` policies.
        public var words: [UInt64]

        /// Permits in hand of policy `index`.
        public func held(_ index: Int) -> Int64 {
            Int64(truncatingIfNeeded: self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.heldWord])
        }

        public mutating func setHeld(_ index: Int, _ value: Int64) {
            self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.heldWord] = UInt64(
                truncatingIfNeeded: max(value, 0))
        }

        /// The `tag` word of policy `index` (see ``LeasedPermits``).
        public func tag(_ index: Int) -> UInt64 {
            self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.tagWord]
        }

        public mutating func setTag(_ index: Int, _ value: UInt64) {
            self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.tagWord] = value
        }

        public mutating func setHint(_ index: Int, _ value: Int64) {
            self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.hintWord] = UInt64(
                truncatingIfNeeded: max(value, 0))
        }

        public mutating func setLowWater(_ index: Int, _ value: Int64) {
            self.words[index * LeasedPermits.wordsPerPolicy + LeasedPermits.lowWaterWord] = UInt64(
                truncatingIfNeeded: max(value, 0))
        }
    }

    public let mapping: Mapping
    public let capacity: Int
    private let control: UnsafeMutablePointer<Atomic<UInt64>>
    private let demand: UnsafeMutablePointer<Atomic<UInt64>>
    private let demandWords: Int
    private let records: UnsafeMutablePointer<Atomic<UInt64>>
    private let lease = Lease()

    public static func header(capacity: Int) -> Mapping.Header {
        let demandWords = (capacity + 63) / 64
        return Mapping.Header(
            magic: Self.magic, layoutVersion: Self.layoutVersion,
            byteCount: UInt64(
                Mapping.Header.size + (Self.controlWords + demandWords + capacity * Self.recordWords) * 8),
            capacity: UInt64(capacity))
    }

    /// Maps (creating if `opening` allows) the table at `path` with `capacity` key slots.
    public convenience init(path: String, capacity: Int, opening: Mapping.Opening) throws(SystemCallError) {
        precondition(capacity > 0, "capacity must be positive")
        self.init(
            mapping: try Mapping(path: path, expecting: Self.header(capacity: capacity), opening: opening),
            capacity: capacity)
    }

    /// A table in anonymous shared memory, for tests.
    public convenience init(inMemoryCapacity capacity: Int) throws(SystemCallError) {
        self.init(mapping: try Mapping(anonymous: Self.header(capacity: capacity)), capacity: capacity)
    }

    private init(mapping: Mapping, capacity: Int) {
        self.mapping = mapping
        self.capacity = capacity
        self.demandWords = (capacity + 63) / 64
        let total = Self.controlWords + self.demandWords + capacity * Self.recordWords
        let all = (mapping.base + Mapping.Header.size).bindMemory(to: Atomic<UInt64>.self, capacity: total)
        self.control = all
        self.demand = all + Self.controlWords
        self.records = all + Self.controlWords + self.demandWords
    }

    private func word(_ slot: Int, _ field: Field) -> UnsafeMutablePointer<Atomic<UInt64>> {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range 0..<\(self.capacity)")
        return self.records + slot * Self.recordWords + field.rawValue
    }

    private func controlWord(_ word: Control) -> UnsafeMutablePointer<Atomic<UInt64>> { self.control + word.rawValue }

    /// The futex half (the low 32 bits, little-endian) of a shared 64-bit word.
    private static func futexWord(_ word: UnsafeMutablePointer<Atomic<UInt64>>) -> UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self)
    }

    // MARK: workers

    /// Whether the agent's heartbeat at `nowMicros` is fresh.
    public func agentIsUp(nowMicros: Int64) -> Bool {
        let heartbeat = Int64(truncatingIfNeeded: self.controlWord(.heartbeat).pointee.load(ordering: .relaxed))
        return nowMicros - heartbeat <= Self.agentStaleMicros
    }

    /// Where permits come from at `nowMicros`: shared while the agent is alive and reaches Redis, else the outage share.
    public func mode(nowMicros: Int64) -> LeasedPermits.Mode {
        let heartbeat = Int64(truncatingIfNeeded: self.controlWord(.heartbeat).pointee.load(ordering: .relaxed))
        if nowMicros - heartbeat > Self.agentStaleMicros {
            let nodes = Int64(truncatingIfNeeded: self.controlWord(.fallbackNodes).pointee.load(ordering: .relaxed))
            return .outage(nodes: max(nodes, 1))
        }
        let nodes = self.controlWord(.outageNodes).pointee.load(ordering: .relaxed)
        return nodes == 0 ? .shared : .outage(nodes: Int64(truncatingIfNeeded: nodes))
    }

    /// Decides a request of `cost` for the key `owner` in `slot` from the permits held (``LeasedPermits``), in the
    /// ``mode(nowMicros:)`` of the moment, spending them unless `dryRun`; `nil` if a live process holds the record's
    /// lease past ``Lease/waitMillis``. The grant sequence read with it is what ``waitForGrant(slot:after:timeoutMillis:)``
    /// waits to see move.
    public func admit(
        slot: Int, owner: UInt64, policies: PolicySet, cost: Int64, nowMicros: Int64, dryRun: Bool = false
    ) -> (verdict: LeasedPermits.Verdict, grant: UInt32)? {
        precondition(policies.stateCount <= Self.maximumPolicies, "more policies than a lease record holds")
        let mode = self.mode(nowMicros: nowMicros)
        let leaseWord = self.word(slot, .lease)
        guard let token = self.lease.acquire(leaseWord) else { return nil }
        defer { self.lease.release(leaseWord, token: token) }
        if self.word(slot, .owner).pointee.load(ordering: .relaxed) != owner {
            // Another key had this slot: its permits are not this key's (the agent gives them back).
            self.clearPolicies(slot)
            self.word(slot, .owner).pointee.store(owner, ordering: .relaxed)
        }
        let grant = UInt32(truncatingIfNeeded: self.word(slot, .grant).pointee.load(ordering: .relaxed))
        let expiry = Int64(truncatingIfNeeded: self.word(slot, .rateExpiry).pointee.load(ordering: .relaxed))
        let count = policies.stateCount * LeasedPermits.wordsPerPolicy
        let base = self.word(slot, .policies)
        let verdict = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { words in
            for index in 0..<count { words[index] = base[index].load(ordering: .relaxed) }
            let verdict = LeasedPermits.deciding(
                policies, words: words, rateLeaseValid: nowMicros < expiry, mode: mode, cost: cost,
                nowMicros: nowMicros, dryRun: dryRun)
            if verdict.evaluation.admitted && !dryRun {
                for index in 0..<count where words[index] != base[index].load(ordering: .relaxed) {
                    base[index].store(words[index], ordering: .relaxed)
                }
            }
            return verdict
        }
        return (verdict, grant)
    }

    /// Asks the agent for permits of `slot`, enough for a request of `cost`: sets its demand bit and wakes the agent.
    public func requestPermits(slot: Int, cost: Int64) {
        let need = self.word(slot, .need)
        if UInt64(max(cost, 1)) > need.pointee.load(ordering: .relaxed) {
            need.pointee.store(UInt64(max(cost, 1)), ordering: .relaxed)
        }
        let bit = UInt64(1) << UInt64(slot % 64)
        let previous = self.demand[slot / 64].bitwiseOr(bit, ordering: .releasing).oldValue
        guard previous & bit == 0 else { return }  // already asked; the agent has not taken it yet
        let wake = self.controlWord(.wake)
        wake.pointee.wrappingAdd(1, ordering: .releasing)
        Futex.wakeAll(Self.futexWord(wake))
    }

    /// Sleeps until the agent grants `slot` something after grant sequence `seen`, or `timeoutMillis` pass; whether
    /// a grant came.
    public func waitForGrant(slot: Int, after seen: UInt32, timeoutMillis: Int) -> Bool {
        let word = self.word(slot, .grant)
        let deadline = Clock.monotonicMillis() + Int64(timeoutMillis)
        while true {
            if UInt32(truncatingIfNeeded: word.pointee.load(ordering: .acquiring)) != seen { return true }
            let left = deadline - Clock.monotonicMillis()
            if left <= 0 { return false }
            Futex.wait(Self.futexWord(word), whileEqualTo: seen, timeoutMillis: Int(left))
        }
    }

    // MARK: the agent

    /// Publishes the agent's heartbeat and where permits come from (`outageNodes` 0: Redis reachable).
    public func publish(heartbeatMicros: Int64, outageNodes: Int64) {
        self.controlWord(.outageNodes).pointee.store(UInt64(max(outageNodes, 0)), ordering: .relaxed)
        self.controlWord(.heartbeat).pointee.store(UInt64(heartbeatMicros), ordering: .releasing)
    }

    /// The share a worker falls back to when the agent does not answer in time: the hosts each rate limit is split
    /// between (`--cluster-max-nodes`).
    public var fallbackNodes: Int64 {
        max(1, Int64(truncatingIfNeeded: self.controlWord(.fallbackNodes).pointee.load(ordering: .relaxed)))
    }

    /// Adds `amount` to one of the agent's counts (called by the agent only), or sets it with `setting`.
    public func recordAgent(_ count: AgentCount, add amount: UInt64 = 1, setting: Bool = false) {
        let word = self.control + Control.agentCounts.rawValue + count.rawValue
        let value = setting ? amount : word.pointee.load(ordering: .relaxed) &+ amount
        word.pointee.store(value, ordering: .relaxed)
    }

    /// The agent's count `count`.
    public func agentCount(_ count: AgentCount) -> UInt64 {
        (self.control + Control.agentCounts.rawValue + count.rawValue).pointee.load(ordering: .relaxed)
    }

    /// Sets the share workers fall back to while no agent runs (at startup).
    public func setFallbackNodes(_ nodes: Int64) {
        self.controlWord(.fallbackNodes).pointee.store(UInt64(max(nodes, 1)), ordering: .relaxed)
    }

    /// Sleeps until a worker asks for permits, or `timeoutMillis` pass; returns the wake word to pass next time.
    public func waitForDemand(after seen: UInt32, timeoutMillis: Int) -> UInt32 {
        let wake = self.controlWord(.wake)
        let now = UInt32(truncatingIfNeeded: wake.pointee.load(ordering: .acquiring))
        if now != seen { return now }
        Futex.wait(Self.futexWord(wake), whileEqualTo: seen, timeoutMillis: timeoutMillis)
        return UInt32(truncatingIfNeeded: wake.pointee.load(ordering: .acquiring))
    }

    /// The largest cost a worker asked permits for since the last call (at least 1), clearing it.
    public func need(slot: Int) -> Int64 {
        max(1, Int64(truncatingIfNeeded: self.word(slot, .need).pointee.exchange(0, ordering: .relaxed)))
    }

    /// The slots whose demand bits are set, clearing them.
    public func takeDemand() -> [Int] {
        var slots: [Int] = []
        for index in 0..<self.demandWords where self.demand[index].load(ordering: .relaxed) != 0 {
            var bits = self.demand[index].exchange(0, ordering: .acquiring)
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                let slot = index * 64 + bit
                if slot < self.capacity { slots.append(slot) }
                bits &= bits - 1
            }
        }
        return slots
    }

    /// Reads `slot`'s record under its lease, lets `change` edit the copy, writes it back and bumps the grant word
    /// (waking waiting workers) if it changed; `nil` if the lease could not be had.
    public func update<T>(slot: Int, _ change: (inout Record) -> T) -> T? {
        let leaseWord = self.word(slot, .lease)
        guard let token = self.lease.acquire(leaseWord) else { return nil }
        let base = self.word(slot, .policies)
        let count = Self.maximumPolicies * LeasedPermits.wordsPerPolicy
        let old = Record(
            owner: self.word(slot, .owner).pointee.load(ordering: .relaxed),
            rateExpiryMicros: Int64(truncatingIfNeeded: self.word(slot, .rateExpiry).pointee.load(ordering: .relaxed)),
            words: (0..<count).map { base[$0].load(ordering: .relaxed) })
        var record = old
        let result = change(&record)
        let changed = record != old
        if changed {
            self.word(slot, .owner).pointee.store(record.owner, ordering: .relaxed)
            self.word(slot, .rateExpiry).pointee.store(
                UInt64(truncatingIfNeeded: record.rateExpiryMicros), ordering: .relaxed)
            for index in 0..<count where record.words[index] != old.words[index] {
                base[index].store(record.words[index], ordering: .relaxed)
            }
        }
        self.lease.release(leaseWord, token: token)
        if changed { self.announce(slot: slot) }
        return result
    }

    /// Bumps `slot`'s grant word and wakes the workers waiting on it: the agent has answered (granted, or learnt that
    /// there is nothing to grant), so they decide again now rather than at the end of their wait.
    public func announce(slot: Int) {
        let grant = self.word(slot, .grant)
        grant.pointee.wrappingAdd(1, ordering: .releasing)
        Futex.wakeAll(Self.futexWord(grant))
    }

    /// Zeroes `slot`'s policy words and expiry (another key took the slot); call under the record's lease.
    private func clearPolicies(_ slot: Int) {
        self.word(slot, .rateExpiry).pointee.store(0, ordering: .relaxed)
        let base = self.word(slot, .policies)
        for index in 0..<(Self.maximumPolicies * LeasedPermits.wordsPerPolicy) {
            base[index].store(0, ordering: .relaxed)
        }
    }
}
