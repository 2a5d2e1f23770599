import Glibc
import KeygateCore
import KeygateSystem
import Synchronization

/// Per-client-IP rate-limit state in a fixed-size `MAP_SHARED` file: bounded memory whatever the traffic.
///
/// Entries are 64 bytes (one cache line), read through an ``IPEntry`` view that names each word: the lease, the
/// address, the state of the limit on requests without a valid key, the state of the global per-IP limit, and when
/// the entry was last touched (µs; 0 = empty). Header bytes 32-39 count evictions. An address
/// lives in one of `probe` consecutive entries from its hash. When all of them hold other addresses, the policy is:
/// reuse an entry whose limits have fully drained (it carries no information), otherwise evict the least recently
/// touched one, counted in the header and logged by the caller. The table never grows; an evicted address merely
/// starts again from a full bucket.
public final class IPTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3150_4954_4347_4B  // "KGCTIP1"
    public static let layoutVersion: UInt32 = 1
    public static let wordsPerEntry = IPEntryWord.count
    /// Where the header (unused by ``Mapping`` from byte 32 on) keeps the eviction count.
    static let evictionCounterOffset = 32
    public static let probe = 8

    /// Which of an entry's two limits a call is about.
    public enum Limit: Sendable {
        case keyless
        case global
    }

    public let mapping: Mapping
    public let capacity: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let evictionCounter: UnsafeMutablePointer<Atomic<UInt64>>
    private let lease: Lease

    public init(path: String, capacity: Int, rebuild: Bool = false) throws(SystemCallError) {
        precondition(capacity >= Self.probe, "an IP table needs at least \(Self.probe) entries")
        let header = Mapping.Header(
            magic: Self.magic, layoutVersion: Self.layoutVersion,
            byteCount: UInt64(Mapping.Header.size + capacity * Self.wordsPerEntry * 8), capacity: UInt64(capacity))
        self.mapping = try Mapping(path: path, expecting: header, rebuild: rebuild)
        self.capacity = capacity
        self.evictionCounter = (self.mapping.base + Self.evictionCounterOffset)
            .bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        self.words = (self.mapping.base + Mapping.Header.size)
            .bindMemory(to: Atomic<UInt64>.self, capacity: capacity * Self.wordsPerEntry)
        self.lease = Lease()
    }

    /// Entries evicted while still holding undrained state, since the file was created.
    public var evictions: UInt64 { self.evictionCounter.pointee.load(ordering: .relaxed) }

    /// Entries holding an address touched within `windowMicros` of `nowMicros` (a scan of the whole table: for a
    /// metrics scrape, not a request).
    public func entriesInUse(nowMicros: Int64, windowMicros: Int64) -> Int {
        var count = 0
        for index in 0..<self.capacity {
            let touched = self.entry(index).touchedMicros
            if touched != 0 && nowMicros - touched <= windowMicros { count += 1 }
        }
        return count
    }

    /// Result of one admission: the evaluation, and whether an undrained entry had to be evicted to make room.
    public struct Admission: Sendable {
        public var evaluation: PolicySetEvaluation
        public var evicted: Bool
    }

    /// Admits one request from `address` against `policy` (one rate limit), committing its state if admitted.
    /// `nil` when no entry could be locked (a stalled process holds them): callers fail open for IP limits.
    public func admit(
        address: IPAddress, limit: Limit, policy: RateLimitPolicy, nowMicros: Int64, dryRun: Bool = false
    ) -> Admission? {
        let policies = PolicySet(rateLimits: [policy])
        let start = Self.hash(address) % self.capacity
        for _ in 0..<3 {
            // Find this address, or choose where it goes, without locking; then verify under the entry's lease.
            var target = -1
            var victim = -1
            var victimScore = Int64.max
            for step in 0..<Self.probe {
                let index = (start + step) % self.capacity
                let entry = self.entry(index)
                let touched = entry.touchedMicros
                if entry.holds(address) {
                    target = index
                    break
                }
                // Empty first, then drained (score by how far back it was touched, drained ones first), then oldest.
                let score: Int64
                if touched == 0 {
                    score = Int64.min
                } else if self.isDrained(entry, nowMicros: nowMicros) {
                    score = Int64.min / 2 + touched / 2
                } else {
                    score = touched
                }
                if score < victimScore {
                    victimScore = score
                    victim = index
                }
            }
            let index = target >= 0 ? target : victim
            let entry = self.entry(index)
            guard let token = self.lease.acquire(entry.lease) else { return nil }
            let holds = entry.holds(address)
            var evicted = false
            if !holds && dryRun {
                // An address without an entry has a full bucket; a dry run claims nothing.
                self.lease.release(entry.lease, token: token)
                let evaluation = policies.evaluating(states: [0], cost: 1, nowMicros: nowMicros)
                return Admission(evaluation: evaluation, evicted: false)
            }
            if !holds {
                if target >= 0 {
                    // It moved under us: look again.
                    self.lease.release(entry.lease, token: token)
                    continue
                }
                if entry.touchedMicros != 0 && !self.isDrained(entry, nowMicros: nowMicros) {
                    evicted = true
                    self.evictionCounter.pointee.wrappingAdd(1, ordering: .relaxed)
                }
                entry.claim(for: address)
            }
            let state = entry.state(of: limit)
            let evaluation = policies.evaluating(states: [state], cost: 1, nowMicros: nowMicros)
            if !dryRun {
                if evaluation.admitted { entry.setState(evaluation.evaluations[0].newState, of: limit) }
                entry.touchedMicros = max(nowMicros, 1)
            }
            self.lease.release(entry.lease, token: token)
            return Admission(evaluation: evaluation, evicted: evicted)
        }
        return nil
    }

    /// The entry at `index`.
    func entry(_ index: Int) -> IPEntry {
        precondition(index >= 0 && index < self.capacity, "entry \(index) out of range 0..<\(self.capacity)")
        return IPEntry(self.words + index * Self.wordsPerEntry)
    }

    /// True when both limits' theoretical arrival times are in the past: the entry says nothing a fresh one would not.
    private func isDrained(_ entry: IPEntry, nowMicros: Int64) -> Bool {
        RateLimitPolicy.tatMicros(ofState: entry.state(of: .keyless)) <= nowMicros
            && RateLimitPolicy.tatMicros(ofState: entry.state(of: .global)) <= nowMicros
    }

    static func hash(_ address: IPAddress) -> Int {
        let mixed = (address.high ^ address.low &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: (mixed ^ mixed >> 31) & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
