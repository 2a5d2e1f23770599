import ArgumentParser
import Glibc
import KeygateCore
import KeygateCrypto
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateTesting
import KeygateZone
import Logging

/// Times the in-process decision path (no sockets), for `bench/run`: ns per decision by outcome, against the
/// SHA-256 of a key alone, measured in the same run. `--only ID` runs one scenario (for instruction counts under
/// callgrind, where two runs with different `--iterations` cancel the set-up cost out).
struct BenchDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-decide", abstract: "Measure the in-process decision path (used by bench/run).",
        shouldDisplay: false)

    @Option(help: "Decisions per scenario.") var iterations: Int = 200_000
    @Option(help: "Scratch directory for the benchmark database.") var directory: String = "/tmp"
    @Option(help: "Run only this scenario: \(Self.scenarioIDs.joined(separator: ", ")).") var only: String?

    /// Scenario identifiers, in the order of the table.
    static let scenarioIDs = [
        "sha256", "fingerprint", "data-version", "valid", "valid-answer", "limits", "limits-answer", "unknown",
        "malformed", "missing",
        "http-limits", "fcgi-limits", "http-limits-metrics", "http-limits-cluster",
    ]

    func validate() throws {
        if let only = self.only, !Self.scenarioIDs.contains(only) {
            throw ValidationError("--only \(only): use one of \(Self.scenarioIDs.joined(separator: ", "))")
        }
        guard self.iterations > 0 else { throw ValidationError("--iterations must be positive") }
    }

    func run() throws {
        let path = self.directory + "/keygate-bench-decide-\(getpid()).db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let store = try KeyStore(path: path, create: true)
        let now = Clock.nowSeconds()
        let (_, secret) = try store.create(
            NewKey(name: "bench", owner: "bench", scopes: ["bench:read"]), now: now, actor: "bench")
        // Three limits that never bind during the run, so every decision does the full admit-and-commit.
        let (limitedRecord, limited) = try store.create(
            NewKey(
                name: "bench-limits", owner: "bench", scopes: ["bench:read"],
                rateLimits: [try RateLimitPolicy.parse("1000000000/s"), try RateLimitPolicy.parse("1000000000/hour")],
                quotas: [try QuotaPolicy.parse("1000000000/day")]),
            now: now, actor: "bench")
        let (_, unknown) = try KeyStore(path: path + "-other", create: true).create(
            NewKey(name: "x"), now: now, actor: "bench")
        for suffix in ["", "-wal", "-shm"] { unlink(path + "-other" + suffix) }
        var logger = Logger(label: "bench", factory: { StderrLogHandler(label: $0, level: .error) })
        logger.logLevel = .error
        let counters = try CounterTable(path: path + ".counters", capacity: 1024)
        defer { unlink(path + ".counters") }
        let gate = try Gate(databasePath: path, policy: GatePolicy(), lastUsed: nil, counters: counters, logger: logger)
        let hasher = try SHA256Hasher()
        let fingerprinter = SecretFingerprinter(k0: 0x0123_4567_89AB_CDEF, k1: 0xFEDC_BA98_7654_3210)
        let lookup = try KeyLookup(path: path)

        func request(_ key: String?) -> AuthRequest {
            AuthRequest(
                apiKeyHeader: key, uri: "/api/reports?x=1", remoteAddress: "127.0.0.1", requiredScopes: ["bench:read"])
        }
        func time(_ body: () -> Void) -> Double {
            for _ in 0..<1000 { body() }  // warm caches
            var start = timespec()
            var end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            for _ in 0..<self.iterations { body() }
            clock_gettime(CLOCK_MONOTONIC, &end)
            let nanos = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
            return nanos / Double(self.iterations)
        }
        let sink = Sink()
        func encoded(_ answer: AuthAnswer) -> Int {
            var out: [UInt8] = []
            FastCGIResponseWriter.append(answer, requestID: 1, to: &out)
            return out.count
        }
        let fixedNow = now * 1_000_000
        // The whole wire path of one request, as Session does it: the head nginx sends (keygate-http.conf), parsed,
        // decided, rendered and written into a reused output buffer.
        let httpHead = Array(
            ("GET /_keygate HTTP/1.1\r\nHost: keygate\r\nX-Original-URI: /api/reports?x=1\r\nX-Original-Method: GET\r\n"
                + "X-Forwarded-For: 127.0.0.1\r\nX-Api-Key: \(limited)\r\nX-Keygate-Scope: bench:read\r\n\r\n").utf8)
        let httpPath = WirePath(.http(HTTPConnection(), ForwardAuthStyle()), gate: gate)
        func httpRequest() { sink.value &+= httpPath.receive(httpHead) }
        // The same with --metrics-listen on: the gate counts each decision and its duration in a metrics slot. Last in
        // the list, since it leaves the gate counting.
        let metrics = try MetricsTable(capacity: 1)
        func httpRequestMetered() {
            gate.metrics = metrics.slot(0)
            sink.value &+= httpPath.receive(httpHead)
        }
        // The same with the key's limits shared through Redis (--limits-from): a second gate over the same files plus
        // the lease table, its record holding permits as the agent would have leased them (far more than the run
        // spends), the agent's heartbeat fresh for the whole run. The worker's side only: no agent, no Redis.
        let leases = try ClusterLeaseTable(path: path + ".counters.leases", capacity: 1024, opening: .fresh)
        defer { unlink(path + ".counters.leases") }
        leases.publish(heartbeatMicros: Clock.nowMicros() + 3_600_000_000, outageNodes: 0)
        let limitedPolicies = limitedRecord.policies
        _ = leases.update(slot: limitedRecord.slot) { record in
            record.owner = CounterTable.fingerprint(of: limitedRecord.id)
            record.rateExpiryMicros = Clock.nowMicros() + 3_600_000_000
            for index in 0..<limitedPolicies.stateCount {
                record.setHeld(index, 1 << 50)
                if index >= limitedPolicies.rateLimits.count {
                    let window = PermitWindow(of: limitedPolicies, at: index, nowMicros: Clock.nowMicros())
                    record.setTag(index, LeasedPermits.quotaTag(window: window.index, unleased: 1 << 30))
                }
            }
        }
        let clusterGate = try Gate(
            databasePath: path, policy: GatePolicy(), lastUsed: nil, counters: counters, cluster: leases, logger: logger
        )
        let clusterPath = WirePath(.http(HTTPConnection(), ForwardAuthStyle()), gate: clusterGate)
        func httpRequestShared() { sink.value &+= clusterPath.receive(httpHead) }
        // Both HTTP paths admit (204), the shared one from its permits in hand rather than a 2 ms wait for an agent.
        for path in [httpPath, clusterPath] {
            _ = path.receive(httpHead)
            guard path.lastAnswer.hasPrefix("HTTP/1.1 204") else {
                throw ValidationError("an HTTP bench scenario was not admitted: \(path.lastAnswer.prefix(200))")
            }
        }
        // The same over FastCGI: params like nginx's stock fastcgi_params plus keygate.conf's, one kept connection.
        let params: [(String, String)] = [
            ("QUERY_STRING", "x=1"), ("REQUEST_METHOD", "GET"), ("CONTENT_TYPE", ""), ("CONTENT_LENGTH", ""),
            ("SCRIPT_NAME", "/_keygate"), ("REQUEST_URI", "/api/reports?x=1"), ("DOCUMENT_URI", "/_keygate"),
            ("DOCUMENT_ROOT", "/srv"), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"),
            ("GATEWAY_INTERFACE", "CGI/1.1"), ("SERVER_SOFTWARE", "nginx/1.22.1"), ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "40000"), ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"),
            ("SERVER_NAME", "localhost"),
            ("REDIRECT_STATUS", "200"), ("HTTP_HOST", "localhost:8080"), ("HTTP_USER_AGENT", "bench"),
            ("HTTP_X_API_KEY", limited), ("KEYGATE_SCOPE", "bench:read"), ("KEYGATE_COST", ""),
            ("KEYGATE_DENY_STATUS", "403"),
        ]
        let fcgiBytes =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: true)
            + FastCGIClientEncoder.params(id: 1, params) + FastCGIClientEncoder.emptyStdin(id: 1)
        let fcgiPath = WirePath(.fastCGI(FastCGIConnection()), gate: gate)
        func fcgiRequest() { sink.value &+= fcgiPath.receive(fcgiBytes) }
        let scenarios: [(id: String, name: String, body: () -> Void)] = [
            (
                "sha256", "SHA-256 of the key alone",
                { sink.value &+= Int(truncatingIfNeeded: hasher.digest(secret).w0) }
            ),
            (
                "fingerprint", "SipHash fingerprint of the key alone (the key cache's index)",
                { sink.value &+= Int(truncatingIfNeeded: fingerprinter.fingerprint(secret).w0) }
            ),
            (
                "data-version", "SQLite data_version check alone (cache invalidation)",
                {
                    sink.value &+= Int((try? lookup.dataVersion()) ?? 0)
                }
            ),
            (
                "valid", "valid key, cached: decide",
                { sink.value &+= gate.decide(request(secret), nowMicros: fixedNow).outcome.httpStatus }
            ),
            (
                "valid-answer", "valid key, cached: decide + render answer + FastCGI encode",
                {
                    sink.value &+= encoded(gate.answer(request(secret), nowMicros: fixedNow))
                }
            ),
            (
                "limits", "valid key with three limits (2 rate limits + 1 quota), cached: decide",
                {
                    sink.value &+= gate.decide(request(limited), nowMicros: Clock.nowMicros()).outcome.httpStatus
                }
            ),
            (
                "limits-answer", "valid key with three limits: decide + render (RateLimit fields) + FastCGI encode",
                {
                    sink.value &+= encoded(gate.answer(request(limited), nowMicros: Clock.nowMicros()))
                }
            ),
            (
                "unknown", "unknown key (cached miss)",
                { sink.value &+= gate.decide(request(unknown), nowMicros: fixedNow).outcome.httpStatus }
            ),
            (
                "malformed", "malformed key",
                { sink.value &+= gate.decide(request("kg_not-a-key"), nowMicros: fixedNow).outcome.httpStatus }
            ),
            (
                "missing", "missing key",
                { sink.value &+= gate.decide(request(nil), nowMicros: fixedNow).outcome.httpStatus }
            ),
            ("http-limits", "three limits over HTTP: parse nginx's head + decide + render + write", httpRequest),
            ("fcgi-limits", "three limits over FastCGI: parse nginx's records + decide + render + write", fcgiRequest),
            (
                "http-limits-cluster", "three limits over HTTP, shared through Redis (--limits-from; permits in hand)",
                httpRequestShared
            ),
            (
                "http-limits-metrics", "three limits over HTTP, with metrics on (--metrics-listen)",
                httpRequestMetered
            ),
        ]
        if let only = self.only {
            let scenario = scenarios.first { $0.id == only }!
            print("\(scenario.id)\t\(time(scenario.body))")
            if sink.value == 42 { print("") }
            return
        }
        let results = scenarios.map { ($0.name, time($0.body)) }
        let sha = results[0].1
        print("| in-process operation | ns/op | ops/s (one core) | vs SHA-256 |")
        print("|---|---|---|---|")
        for (name, nanos) in results {
            let rate = 1e9 / nanos
            print(
                "| \(name) | \(Int(nanos.rounded())) | \(Int(rate.rounded())) | \(String(Int((nanos / sha * 100).rounded())))% |"
            )
        }
        if sink.value == 42 { print("") }
    }
}

/// One kept connection's wire path as the worker drives it (``Session`` fed the bytes of one request, the answer
/// written into a reused output buffer), held the way the worker holds a connection.
final class WirePath {
    private let session: Session
    @exclusivity(unchecked) private var output: [UInt8] = []
    private let gate: Gate

    init(_ session: Session, gate: Gate) {
        self.session = session
        self.gate = gate
    }

    /// Feeds one request's bytes and returns the answer's size.
    func receive(_ bytes: [UInt8]) -> Int {
        self.output.removeAll(keepingCapacity: true)
        _ = bytes.withUnsafeBytes { bytes in
            try? self.session.receive(bytes, output: &self.output, gate: self.gate, nowMicros: Clock.nowMicros())
        }
        return self.output.count
    }

    /// The answer to the last request, as text (to check that a scenario measures what it says).
    var lastAnswer: String { String(decoding: self.output, as: UTF8.self) }
}

/// Where the scenarios put their results, so the optimizer keeps the work; held in a class (not a captured `var`) so
/// that no scenario pays a dynamic exclusivity check the worker does not.
final class Sink {
    @exclusivity(unchecked) var value = 0
}
