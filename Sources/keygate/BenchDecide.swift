import ArgumentParser
import Glibc
import KeygateCore
import KeygateCrypto
import KeygateServer
import KeygateStore
import KeygateZone
import Logging

/// Times the in-process decision path (no sockets), for `bench/run`: ns per decision by outcome, against the
/// SHA-256 of a key alone, measured in the same run.
struct BenchDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-decide", abstract: "Measure the in-process decision path (used by bench/run).",
        shouldDisplay: false)

    @Option(help: "Decisions per scenario.") var iterations: Int = 200_000
    @Option(help: "Scratch directory for the benchmark database.") var directory: String = "/tmp"
    @Option(help: "Run only these scenarios: sha256, data-version, valid, valid-render, limits, limits-render, unknown, malformed, missing.")
    var only: [String] = []

    func run() throws {
        let path = self.directory + "/keygate-bench-decide-\(getpid()).db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let store = try KeyStore(path: path, create: true)
        let now = Clock.nowSeconds()
        let (_, secret) = try store.create(
            NewKey(name: "bench", owner: "bench", scopes: ["bench:read"]), now: now, actor: "bench")
        // Three limits that never bind during the run, so every decision does the full admit-and-commit.
        let (_, limited) = try store.create(
            NewKey(
                name: "bench-limits", owner: "bench", scopes: ["bench:read"],
                rateLimits: [try RateLimitPolicy.parse("1000000000/s"), try RateLimitPolicy.parse("1000000000/hour")],
                quotas: [try QuotaPolicy.parse("1000000000/day")]),
            now: now, actor: "bench")
        let (_, unknown) = try KeyStore(path: path + "-other", create: true).create(NewKey(name: "x"), now: now, actor: "bench")
        for suffix in ["", "-wal", "-shm"] { unlink(path + "-other" + suffix) }
        var logger = Logger(label: "bench", factory: { StderrLogHandler(label: $0, level: .error) })
        logger.logLevel = .error
        let counters = try CounterTable(path: path + ".counters", capacity: 1024)
        defer { unlink(path + ".counters") }
        let gate = try Gate(databasePath: path, policy: GatePolicy(), lastUsed: nil, counters: counters, logger: logger)
        let hasher = try SHA256Hasher()
        let lookup = try KeyLookup(path: path)

        func request(_ key: String?) -> AuthRequest {
            AuthRequest(apiKeyHeader: key, uri: "/api/reports?x=1", remoteAddress: "127.0.0.1", requiredScopes: ["bench:read"])
        }
        func time(_ scenario: String, _ body: () -> Void) -> Double? {
            guard self.only.isEmpty || self.only.contains(scenario) else { return nil }
            for _ in 0..<1000 { body() }  // warm caches
            var start = timespec()
            var end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            for _ in 0..<self.iterations { body() }
            clock_gettime(CLOCK_MONOTONIC, &end)
            let nanos = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
            return nanos / Double(self.iterations)
        }
        var sink = 0
        let timed: [(String, Double?)] = [
            ("SHA-256 of the key alone", time("sha256") { sink &+= Int(truncatingIfNeeded: hasher.digest(secret).w0) }),
            ("SQLite data_version check alone (cache invalidation)", time("data-version") { sink &+= Int((try? lookup.dataVersion()) ?? 0) }),
            ("valid key, cached: decide", time("valid") { sink &+= gate.decide(request(secret), nowMicros: now * 1_000_000).outcome.httpStatus }),
            ("valid key, cached: decide + render answer + FastCGI encode", time("valid-render") {
                let answer = gate.answer(request(secret), nowMicros: now * 1_000_000)
                var out: [UInt8] = []
                FastCGIResponseWriter.appendResponse(requestID: 1, head: answer.cgiHead(), body: answer.body, to: &out)
                sink &+= out.count
            }),
            ("valid key with three limits (2 rate limits + 1 quota), cached: decide", time("limits") {
                sink &+= gate.decide(request(limited), nowMicros: Clock.nowMicros()).outcome.httpStatus
            }),
            ("valid key with three limits: decide + render (RateLimit fields) + FastCGI encode", time("limits-render") {
                let answer = gate.answer(request(limited), nowMicros: Clock.nowMicros())
                var out: [UInt8] = []
                FastCGIResponseWriter.appendResponse(requestID: 1, head: answer.cgiHead(), body: answer.body, to: &out)
                sink &+= out.count
            }),
            ("unknown key (cached miss)", time("unknown") { sink &+= gate.decide(request(unknown), nowMicros: now * 1_000_000).outcome.httpStatus }),
            ("malformed key", time("malformed") { sink &+= gate.decide(request("kg_not-a-key"), nowMicros: now * 1_000_000).outcome.httpStatus }),
            ("missing key", time("missing") { sink &+= gate.decide(request(nil), nowMicros: now * 1_000_000).outcome.httpStatus }),
        ]
        let results = timed.compactMap { name, nanos in nanos.map { (name, $0) } }
        let sha = timed[0].1 ?? results.first?.1 ?? 1
        print("| in-process operation | ns/op | ops/s (one core) | vs SHA-256 |")
        print("|---|---|---|---|")
        for (name, nanos) in results {
            let rate = 1e9 / nanos
            print("| \(name) | \(Int(nanos.rounded())) | \(Int(rate.rounded())) | \(String(Int((nanos / sha * 100).rounded())))% |")
        }
        if sink == 42 { print("") }
    }
}
