import KeygateCore
import KeygateSystem
import Synchronization

/// keygate's operational counts, shared by the supervisor, every worker and the metrics server through one memory file.
///
/// Layout after the 64-byte header: the supervisor's block of ``SupervisorMetric`` words, then ``capacity`` slots of
/// ``MetricsSlot/wordCount`` words. Every word has one writer: the supervisor writes its block, and it hands each
/// process it spawns a slot that no other live process holds, so increments are a relaxed load and store (two plain
/// moves, no locked instruction) and the metrics server's relaxed loads never see a torn value. A slot handed again to
/// the next process (a restarted worker, the next generation after a reload) keeps its counts and goes on adding to
/// them, so the sums the server reports never go backwards while keygate runs; only its gauges (open connections) are
/// zeroed for the new process, since the old one's connections died with it.
public final class MetricsTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3154_4D47_4B  // "KGMT1" little-endian
    public static let layoutVersion: UInt32 = 1
    /// Slots in a table: enough for every worker of two generations (a reload's overlap) and the metrics server.
    public static let defaultCapacity = 256
    static let supervisorWords = 64

    public let mapping: Mapping
    public let capacity: Int
    private let supervisorBlock: UnsafeMutablePointer<Atomic<UInt64>>
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>

    public static func header(capacity: Int) -> Mapping.Header {
        Mapping.Header(
            magic: Self.magic, layoutVersion: Self.layoutVersion,
            byteCount: UInt64(Mapping.Header.size + (Self.supervisorWords + capacity * MetricsSlot.wordCount) * 8),
            capacity: UInt64(capacity))
    }

    /// A new table in a memory file (the supervisor's), all counts zero.
    public convenience init(capacity: Int = MetricsTable.defaultCapacity) throws(SystemCallError) {
        try self.init(
            mapping: Mapping(memoryFileNamed: "keygate-metrics", header: Self.header(capacity: capacity)),
            capacity: capacity)
    }

    /// The table a supervisor handed over as descriptor `fd`.
    public convenience init(inheritedDescriptor fd: CInt, capacity: Int = MetricsTable.defaultCapacity)
        throws(SystemCallError)
    {
        try self.init(
            mapping: Mapping(inheritedDescriptor: fd, expecting: Self.header(capacity: capacity)), capacity: capacity)
    }

    private init(mapping: Mapping, capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.mapping = mapping
        self.capacity = capacity
        let words = Self.supervisorWords + capacity * MetricsSlot.wordCount
        let all = (mapping.base + Mapping.Header.size).bindMemory(to: Atomic<UInt64>.self, capacity: words)
        self.supervisorBlock = all
        self.slots = all + Self.supervisorWords
    }

    /// The slot at `index` (`0..<capacity`), to count into from the one process that holds it.
    public func slot(_ index: Int) -> MetricsSlot {
        precondition(index >= 0 && index < self.capacity, "metrics slot \(index) outside 0..<\(self.capacity)")
        return MetricsSlot(self.slots + index * MetricsSlot.wordCount)
    }

    /// Zeroes the gauges of slot `index` before it is handed to a new process (its counters are kept).
    public func prepareSlot(_ index: Int) {
        let slot = self.slot(index)
        for word in MetricsSlot.connectionsOpen..<(MetricsSlot.connectionsOpen + MetricsSlot.maxListeners) {
            (slot.words + word).pointee.store(0, ordering: .relaxed)
        }
    }

    /// Sets one of the supervisor's values (called by the supervisor only).
    public func set(_ metric: SupervisorMetric, _ value: UInt64) {
        (self.supervisorBlock + metric.rawValue).pointee.store(value, ordering: .relaxed)
    }

    /// Adds to one of the supervisor's counters (called by the supervisor only).
    public func add(_ metric: SupervisorMetric, _ amount: UInt64 = 1) {
        let word = self.supervisorBlock + metric.rawValue
        word.pointee.store(word.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    public func value(_ metric: SupervisorMetric) -> UInt64 {
        (self.supervisorBlock + metric.rawValue).pointee.load(ordering: .relaxed)
    }

    /// Every slot's counts added up, with the supervisor's values: what one scrape reports.
    public func totals() -> MetricsTotals {
        var totals = MetricsTotals()
        for index in 0..<self.capacity {
            let words = self.slots + index * MetricsSlot.wordCount
            for word in 0..<MetricsSlot.wordCount {
                totals.slotWords[word] &+= (words + word).pointee.load(ordering: .relaxed)
            }
        }
        for metric in SupervisorMetric.allCases {
            totals.supervisor[metric.rawValue] = self.value(metric)
        }
        return totals
    }
}

/// One process's counts in a ``MetricsTable``: written by that process alone, with relaxed loads and stores.
public struct MetricsSlot {
    /// Words per slot (1 KiB).
    public static let wordCount = 128
    /// Decisions by outcome: word `decisions + n` counts `Outcome.allCases[n]`.
    static let decisions = 0
    /// Decision durations: word `durationBuckets + n` counts those up to ``durationBoundsNanos``[n] (the last: above all).
    static let durationBuckets = 32
    static let durationSumNanos = 56
    // Word 57 is unused: a scrape counts durations from the buckets, so its count always equals their sum.
    /// Open connections per listener (a gauge), then connections accepted per listener.
    static let connectionsOpen = 64
    static let connectionsAccepted = 80
    public static let maxListeners = 16

    /// Upper bounds of the decision-duration buckets, in nanoseconds (1 µs to 1 s); one more bucket takes the rest.
    public static let durationBoundsNanos: [Int64] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
        10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 1_000_000_000,
    ]

    let words: UnsafeMutablePointer<Atomic<UInt64>>

    init(_ words: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.words = words
    }

    @inline(__always)
    private func add(_ index: Int, _ amount: UInt64) {
        let word = self.words + index
        word.pointee.store(word.pointee.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
    }

    /// Counts one decision with its outcome and how long it took.
    @inline(__always)
    public func recordDecision(_ outcome: Outcome, nanos: Int64) {
        self.add(Self.decisions + outcome.metricsIndex, 1)
        var bucket = 0
        let bounds = Self.durationBoundsNanos
        while bucket < bounds.count && nanos > bounds[bucket] { bucket += 1 }
        self.add(Self.durationBuckets + bucket, 1)
        self.add(Self.durationSumNanos, UInt64(max(0, nanos)))
    }

    @inline(__always)
    public func count(_ counter: MetricsCounter, _ amount: UInt64 = 1) {
        self.add(counter.rawValue, amount)
    }

    public func connectionOpened(listener: Int) {
        guard listener < Self.maxListeners else { return }
        self.add(Self.connectionsOpen + listener, 1)
        self.add(Self.connectionsAccepted + listener, 1)
    }

    public func connectionClosed(listener: Int) {
        guard listener < Self.maxListeners else { return }
        self.add(Self.connectionsOpen + listener, UInt64.max)  // wraps: minus one
    }
}

/// A slot's plain counters (word indices between the histogram and the connection gauges).
public enum MetricsCounter: Int, CaseIterable, Sendable {
    case keyCacheHits = 58
    case keyCacheMisses = 59
    /// Connections closed after a malformed or oversized head or record.
    case protocolErrors = 60
    /// Connections closed for sending too slowly (the request timeout).
    case slowConnections = 61
    /// Idle kept-alive connections closed to make room at the connection cap.
    case idleClosedAtCap = 62
    case storeErrors = 63
}

/// What the supervisor reports, one word each in the table's supervisor block.
public enum SupervisorMetric: Int, CaseIterable, Sendable {
    /// Wall-clock seconds when keygate started.
    case startTimeSeconds = 0
    /// The supervisor's monotonic clock (ms) at its last loop round: a stale value means it is stuck.
    case heartbeatMillis
    case workersConfigured
    /// Workers of the current generation that said they accept connections.
    case workersReady
    case workerRestarts
    case stuckWorkerKills
    case reloads
    case reloadFailures
    case rollupRuns
    case rollupFailures
    /// 0: no counters file; 1: mapped and whole; 2: lost (truncated or replaced).
    case countersState
    /// Wall-clock seconds of the last successful reload (0: none yet).
    case lastReloadSeconds
    /// Processes started without a slot because every slot was held (their counts are missing).
    case slotsExhausted
}

/// The sums of every slot and the supervisor's values, as read by one scrape.
public struct MetricsTotals: Sendable {
    var slotWords = [UInt64](repeating: 0, count: MetricsSlot.wordCount)
    var supervisor = [UInt64](repeating: 0, count: MetricsTable.supervisorWords)

    public init() {}

    public func decisions(_ outcome: Outcome) -> UInt64 { self.slotWords[MetricsSlot.decisions + outcome.metricsIndex] }

    /// Decisions per duration bucket (not cumulative), one more than ``MetricsSlot/durationBoundsNanos``.
    public var durationBuckets: [UInt64] {
        Array(
            self.slotWords[
                MetricsSlot.durationBuckets..<(MetricsSlot.durationBuckets + MetricsSlot.durationBoundsNanos.count + 1)]
        )
    }

    public var durationSumNanos: UInt64 { self.slotWords[MetricsSlot.durationSumNanos] }

    public subscript(counter: MetricsCounter) -> UInt64 { self.slotWords[counter.rawValue] }
    public subscript(metric: SupervisorMetric) -> UInt64 { self.supervisor[metric.rawValue] }

    /// Open connections on listener `index` (gauges summed over processes; a transient wrap reads as zero).
    public func connectionsOpen(listener index: Int) -> UInt64 {
        let value = self.slotWords[MetricsSlot.connectionsOpen + index]
        return value > UInt64(Int64.max) ? 0 : value
    }

    public func connectionsAccepted(listener index: Int) -> UInt64 {
        self.slotWords[MetricsSlot.connectionsAccepted + index]
    }
}

extension Outcome {
    /// The outcome's position among all outcomes (its decisions word in a ``MetricsSlot``).
    @inline(__always)
    var metricsIndex: Int {
        switch self {
        case .allow: 0
        case .missing: 1
        case .malformed: 2
        case .unknown: 3
        case .expired: 4
        case .revoked: 5
        case .disabled: 6
        case .ipNotAllowed: 7
        case .originNotAllowed: 8
        case .insufficientScope: 9
        case .rateLimited: 10
        case .storeUnavailable: 11
        case .limitsUnavailable: 12
        }
    }
}
