import CKeygateLinux
import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// The metrics listener's process: `GET /metrics`, `/healthz` and `/readyz`, answered from the shared
/// ``MetricsTable`` and the shared files alone, so that a scrape never asks a worker anything.
///
/// Spawned and restarted by the supervisor like a worker. One connection at a time, each bounded by
/// ``connectionDeadlineMillis`` from accept to the end of its answer, then closed: scrapes are rare and small.
public final class MetricsServer {
    private let configuration: WorkerConfiguration
    private let listeners: [ListeningSocket]
    private let table: MetricsTable
    private let logger: Logger
    private let version: String
    private let token: [UInt8]?
    private let counters: CounterTable?
    private let ipTable: IPTable?
    private let cluster: ClusterLeaseTable?
    private let signalFD: CInt
    private var failureLog = LogThrottle(intervalMillis: 10_000)
    /// The shared tables' occupancy from the last scan, and when it was made: scans are whole-file walks (8 MiB for
    /// 65,536 counters slots), so scrapes more often than ``tableScanIntervalMillis`` reuse the last one.
    private var tables = MetricsReport.Tables()
    private var tablesScannedMillis: Int64?
    static let tableScanIntervalMillis: Int64 = 5_000

    /// A connection must deliver its head and take its answer within this long.
    static let connectionDeadlineMillis: Int64 = 2_000
    /// The supervisor's heartbeat older than this means it is not running its loop (stopped, or stuck).
    static let heartbeatStaleMillis: Int64 = 3_000
    /// Per-IP entries touched this recently count as active.
    static let ipActiveWindowMicros: Int64 = 60_000_000

    public init(
        configuration: WorkerConfiguration, listeners: [ListeningSocket], table: MetricsTable, version: String,
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.listeners = listeners
        self.table = table
        self.version = version
        self.logger = logger
        self.token = try configuration.metricsTokenFile.map { try Self.readToken(path: $0) }
        self.counters = configuration.countersPath.flatMap { path in
            let opening: Mapping.Opening =
                configuration.countersFileID.map { .existing(fileID: $0) } ?? .openOrCreate
            return try? CounterTable(path: path, capacity: configuration.countersCapacity, opening: opening)
        }
        self.ipTable = configuration.ipTablePath.flatMap {
            try? IPTable(path: $0, capacity: configuration.ipTableCapacity)
        }
        self.cluster = configuration.clusterLeasesPath.flatMap {
            try? ClusterLeaseTable(path: $0, capacity: configuration.countersCapacity, opening: .openOrCreate)
        }
        var mask = sigset_t()
        let signals: [CInt] = [SIGTERM, SIGINT, SIGHUP]
        signals.withUnsafeBufferPointer { CKeygateLinux_sigset(&mask, $0.baseAddress, CInt($0.count)) }
        _ = CKeygateLinux_block_signals(&mask, nil)
        signal(SIGPIPE, SIG_IGN)
        self.signalFD = try syscall("signalfd") { signalfd(-1, &mask, CInt(SFD_NONBLOCK) | CInt(SFD_CLOEXEC)) }
    }

    deinit { Glibc.close(self.signalFD) }

    /// The bearer token in the file at `path` (surrounding whitespace trimmed); throws if it cannot be read or is
    /// shorter than 16 bytes.
    public static func readToken(path: String) throws(ConfigurationError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigurationError("--metrics-token-file \(path): cannot open it (\(Errno.current))")
        }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4097)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4097) }
        guard count >= 0, count <= 4096 else {
            throw ConfigurationError("--metrics-token-file \(path): cannot read it, or it is over 4 KiB")
        }
        var token = Array(bytes[0..<count])
        while let last = token.last, last == 0x20 || last == 0x0A || last == 0x0D || last == 0x09 { token.removeLast() }
        while let first = token.first, first == 0x20 || first == 0x0A || first == 0x0D || first == 0x09 {
            token.removeFirst()
        }
        guard token.count >= 16, token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ConfigurationError(
                "--metrics-token-file \(path): the token must be at least 16 printable characters without spaces "
                    + "(e.g. `openssl rand -hex 32 > \(path)`)")
        }
        return token
    }

    /// Serves until SIGTERM or SIGINT.
    public func run(readyFD: CInt? = nil) {
        if let readyFD {
            var byte: UInt8 = 0x52
            _ = write(readyFD, &byte, 1)
            Glibc.close(readyFD)
        }
        self.logger.info(
            "metrics server ready", metadata: ["listen": "\(self.listeners.map(\.workerToken).joined(separator: ","))"])
        var polled = [pollfd(fd: self.signalFD, events: Int16(POLLIN), revents: 0)]
        polled += self.listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        while true {
            let ready = poll(&polled, nfds_t(polled.count), 1_000)
            if ready < 0 && errno != EINTR { return }
            if polled[0].revents != 0 {
                var info = signalfd_siginfo()
                let count = withUnsafeMutableBytes(of: &info) { Glibc.read(self.signalFD, $0.baseAddress, $0.count) }
                if count > 0 && (CInt(info.ssi_signo) == SIGTERM || CInt(info.ssi_signo) == SIGINT) {
                    self.logger.info("metrics server stopped")
                    return
                }
            }
            for index in 1..<polled.count where polled[index].revents != 0 {
                // Bounded: a few connections per wake-up, so a signal is never starved.
                for _ in 0..<8 {
                    guard case .processed(let fd) = NonblockingIO.accept(polled[index].fd) else { break }
                    self.serve(fd)
                    Glibc.close(fd)
                }
            }
        }
    }

    /// Reads one head, answers it and returns (the caller closes), all within the connection deadline.
    private func serve(_ fd: CInt) {
        let deadline = Clock.monotonicMillis() + Self.connectionDeadlineMillis
        var connection = HTTPConnection()
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var answered = false
        while !answered && connection.progress != .finished {
            guard Self.wait(fd, for: Int16(POLLIN), until: deadline) else { return }
            let result = buffer.withUnsafeMutableBytes { NonblockingIO.read(fd, into: $0) }
            switch result {
            case .processed(0): return
            case .processed(let count):
                _ = buffer.withUnsafeBytes { bytes in
                    connection.consume(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), output: &output) {
                        head, out in
                        answered = true
                        out += self.answer(head).bytes
                    }
                }
                if !output.isEmpty { answered = true }
            case .wouldBlock: continue
            case .failed: return
            }
        }
        var sent = 0
        while sent < output.count {
            guard Self.wait(fd, for: Int16(POLLOUT), until: deadline) else { return }
            let result = output.withUnsafeBytes {
                NonblockingIO.send(fd, UnsafeRawBufferPointer(rebasing: $0[sent...]))
            }
            switch result {
            case .processed(let count): sent += count
            case .wouldBlock: continue
            case .failed: return
            }
        }
    }

    /// Waits until `fd` is ready for `events` or the deadline passes (false).
    private static func wait(_ fd: CInt, for events: Int16, until deadline: Int64) -> Bool {
        while true {
            let remaining = deadline - Clock.monotonicMillis()
            guard remaining > 0 else { return false }
            var polled = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&polled, 1, CInt(remaining))
            if ready > 0 { return true }
            if ready < 0 && errno == EINTR { continue }
            return false  // the deadline passed, or poll failed
        }
    }

    /// The answer to one request head.
    func answer(_ head: HTTPRequestHead) -> MetricsHTTPAnswer {
        let path = head.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let isHead = head.method == "HEAD"
        guard head.method == "GET" || isHead else {
            return MetricsHTTPAnswer(status: 405, extraHeaders: ["Allow: GET, HEAD"], body: "", head: false)
        }
        switch path {
        case "/metrics":
            if let token = self.token, !Self.presents(head[.authorization], token: token) {
                return MetricsHTTPAnswer(
                    status: 401, extraHeaders: ["WWW-Authenticate: Bearer realm=\"keygate-metrics\""],
                    body: "a bearer token is required\n", head: isHead)
            }
            let format = MetricsExposition.negotiated(accept: head[.accept])
            return MetricsHTTPAnswer(
                status: 200, contentType: format.contentType, body: format.render(self.report().families),
                head: isHead)
        case "/healthz":
            let health = self.health()
            return MetricsHTTPAnswer(
                status: health.problems.isEmpty ? 200 : 503, contentType: "application/json",
                body: health.json(ready: nil), head: isHead)
        case "/readyz":
            let health = self.health(checkingReadiness: true)
            return MetricsHTTPAnswer(
                status: health.problems.isEmpty ? 200 : 503, contentType: "application/json",
                body: health.json(ready: health.problems.isEmpty), head: isHead)
        default:
            return MetricsHTTPAnswer(status: 404, body: "not found: try /metrics, /healthz or /readyz\n", head: isHead)
        }
    }

    /// Whether `authorization` is `Bearer <token>` (compared in constant time).
    static func presents(_ authorization: String?, token: [UInt8]) -> Bool {
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8)
        let prefix = Array("bearer ".utf8)
        guard bytes.count == prefix.count + token.count,
            zip(bytes[0..<prefix.count], prefix).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return false }
        var difference: UInt8 = 0
        for (presented, expected) in zip(bytes[prefix.count...], token) { difference |= presented ^ expected }
        return difference == 0
    }

    /// What one scrape reports.
    public func report() -> MetricsReport {
        let now = Clock.monotonicMillis()
        if self.tablesScannedMillis.map({ now - $0 >= Self.tableScanIntervalMillis }) ?? true {
            self.tablesScannedMillis = now
            self.tables = MetricsReport.Tables(
                countersSlotsInUse: self.counters.map { $0.slotsInUse() }, countersCapacity: self.counters?.capacity,
                ipEntriesActive: self.ipTable.map {
                    $0.entriesInUse(nowMicros: Clock.nowMicros(), windowMicros: Self.ipActiveWindowMicros)
                },
                ipCapacity: self.ipTable?.capacity, ipEvictions: nil)
        }
        var tables = self.tables
        tables.ipEvictions = self.ipTable?.evictions  // one word: always current
        var report = MetricsReport(
            totals: self.table.totals(), tables: tables, listeners: self.configuration.listenerLabels,
            version: self.version)
        report.cluster = self.cluster.map { MetricsReport.Cluster($0, nowMicros: Clock.nowMicros()) }
        return report
    }

    /// Liveness (the supervisor runs its loop) and, with `checkingReadiness`, readiness (every worker up, the
    /// database readable, the counters file whole).
    func health(checkingReadiness: Bool = false) -> HealthReport {
        var report = HealthReport()
        let heartbeat = Int64(bitPattern: self.table.value(.heartbeatMillis))
        let silence = Clock.monotonicMillis() - heartbeat
        if silence > Self.heartbeatStaleMillis {
            report.problems.append("the supervisor has not run for \(silence / 1000) s (stopped or stuck)")
        }
        guard checkingReadiness else { return report }
        let configured = self.table.value(.workersConfigured)
        let ready = self.table.value(.workersReady)
        report.workers = (configured, ready)
        if ready < configured { report.problems.append("\(ready) of \(configured) workers ready") }
        if self.table.value(.countersState) == 2 {
            report.problems.append(
                "the counters file was truncated or replaced: keys with limits get 503; restart keygate")
        }
        if let problem = Self.databaseProblem(path: self.configuration.databasePath) {
            report.problems.append("database \(self.configuration.databasePath): \(problem)")
            if let held = self.failureLog.allowing(nowMillis: Clock.monotonicMillis()) {
                self.logger.warning(
                    "readiness: database unreadable",
                    metadata: ["error": "\(problem)", "similar_lines_held_back": "\(held)"])
            }
        }
        return report
    }

    /// Why the key database cannot be read, or `nil`: opened read-only and one row of `keys` read.
    static func databaseProblem(path: String) -> String? {
        do {
            let connection = try Connection(path: path, mode: .readOnly, busyTimeoutMillis: 500)
            _ = try connection.int64("SELECT count(*) FROM (SELECT 1 FROM keys LIMIT 1)")
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// What `/healthz` and `/readyz` found.
struct HealthReport {
    var problems: [String] = []
    var workers: (configured: UInt64, ready: UInt64)?

    /// `{"status":…}` with the problems, and the worker counts when readiness was checked.
    func json(ready: Bool?) -> String {
        let status =
            switch ready {
            case nil: self.problems.isEmpty ? "alive" : "down"
            case true?: "ready"
            case false?: "not ready"
            }
        var fields = ["\"status\":\(JSONText.quoted(status))"]
        if let workers = self.workers {
            fields.append("\"workers\":{\"configured\":\(workers.configured),\"ready\":\(workers.ready)}")
        }
        if !self.problems.isEmpty {
            fields.append("\"problems\":[\(self.problems.map(JSONText.quoted).joined(separator: ","))]")
        }
        return "{" + fields.joined(separator: ",") + "}\n"
    }
}

/// One answer of the metrics listener, always closing the connection.
struct MetricsHTTPAnswer {
    var status: Int
    var contentType = "text/plain; charset=utf-8"
    var extraHeaders: [String] = []
    var body: String
    /// A HEAD request: the same head, no body.
    var head: Bool

    var bytes: [UInt8] {
        let reason =
            switch self.status {
            case 200: "OK"
            case 401: "Unauthorized"
            case 404: "Not Found"
            case 405: "Method Not Allowed"
            default: "Service Unavailable"
            }
        let body = Array(self.body.utf8)
        var text = "HTTP/1.1 \(self.status) \(reason)\r\nContent-Type: \(self.contentType)\r\n"
        text += "Content-Length: \(body.count)\r\nCache-Control: no-store\r\nConnection: close\r\n"
        for header in self.extraHeaders { text += header + "\r\n" }
        text += "\r\n"
        return Array(text.utf8) + (self.head ? [] : body)
    }
}
