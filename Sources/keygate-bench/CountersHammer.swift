import ArgumentParser
import Glibc
import KeygateCore
import KeygateSystem
import KeygateZone

/// Sends `requests` admissions for one key slot through a counters file as fast as it can and prints
/// `admitted rejected`: run several at once to check that independent processes never over-admit.
struct CountersHammer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counters-hammer", abstract: "Stress one counters slot (used by tests and bench).",
        shouldDisplay: false)

    @Option var counters: String
    @Option var capacity: Int = 1024
    @Option var slot: Int = 0
    @Option(name: .customLong("limit")) var limits: [String] = []
    @Option(name: .customLong("quota")) var quotas: [String] = []
    @Option var credits: String?
    @Option var requests: Int = 1000
    @Option var cost: Int64 = 1
    /// Start at this wall-clock second, so that concurrently started processes overlap.
    @Option(name: .customLong("start-at")) var startAt: Int64?
    /// Stop this process (`SIGSTOP`) at this point of the first request's critical section, for tests that pause a
    /// lease holder: acquired, states-read, evaluated, mid-commit or before-release.
    @Option(name: .customLong("pause-at")) var pauseAt: String?

    func run() throws {
        let policies = PolicySet(
            rateLimits: try self.limits.map { spec throws(LimitSpecError) in try RateLimitPolicy.parse(spec) },
            quotas: try self.quotas.map { spec throws(LimitSpecError) in try QuotaPolicy.parse(spec) },
            credits: try self.credits.map { spec throws(LimitSpecError) in
                try CreditPolicy.parse(initial: spec, refill: nil)
            })
        var probe: (@Sendable (CounterTable.CriticalPoint) -> Void)?
        if let name = self.pauseAt {
            guard let point = CounterTable.CriticalPoint(rawValue: name) else {
                let names = CounterTable.CriticalPoint.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--pause-at \(name): use one of \(names)")
            }
            let once = Once()
            probe = { reached in
                if reached == point && once.first() { raise(SIGSTOP) }
            }
        }
        let table = try CounterTable(path: self.counters, capacity: self.capacity, probe: probe)
        if let startAt = self.startAt {
            while Clock.nowSeconds() < startAt { usleep(1_000) }
        }
        var admitted = 0
        var rejected = 0
        var unavailable = 0
        for _ in 0..<self.requests {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            let now = Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
            switch table.admit(slot: self.slot, policies: policies, cost: self.cost, nowMicros: now)?.admitted {
            case true?: admitted += 1
            case false?: rejected += 1
            case nil: unavailable += 1
            }
        }
        print("\(admitted) \(rejected) \(unavailable)")
    }
}

/// True the first time it is asked, then false (the hammer's probe pauses one request only; single-threaded).
private final class Once: @unchecked Sendable {
    private var done = false

    func first() -> Bool {
        defer { self.done = true }
        return !self.done
    }
}
