import ArgumentParser
import Glibc
import KeygateCore
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Print the decision keygate would make for a request, without a server and without recording anything.",
        discussion:
            "Reads the key database and the counters file and writes neither: no rate limit, quota or credit is "
            + "spent, no per-IP count is taken and the key's last-used time is not touched, so running it repeatedly "
            + "changes nothing. The answer (status, reason, RateLimit fields) is the one a server would give now; "
            + "remaining counts are what would be left if the request were served. A counters file that does not exist "
            + "is not created: the key's limits are then evaluated as a fresh file would be.\n\n"
            + "Example: keygate check --db keys.db --key kg_… --uri /api/reports --scope reports:read")

    @OptionGroup var store: StoreOptions
    @Option(help: "The API key to check; '-' reads it from standard input (keeps it out of shell history).")
    var key: String?
    @Option(help: "The request URI, path and query.") var uri: String = "/"
    @Option(help: "The request method.") var method: String = "GET"
    @Option(name: .customLong("scope"), help: "A scope the route requires (repeatable).") var scopes: [String] = []
    @Option(name: .customLong("remote-addr"), help: "The client address.") var remoteAddr: String = "127.0.0.1"
    @Option(help: "The request's Origin header.") var origin: String?
    @Option(help: "nginx (allow = 204) or apache (allow = 200, Variable-* identity).") var frontend: String = "nginx"
    @Option(help: "The counters file `keygate serve` uses (default: <db>.counters).") var counters: String?
    @Option(name: .customLong("counters-capacity"), help: "Its key slots, as given to serve.") var countersCapacity:
        Int = 65_536
    @Option(help: "What the request would spend from limits, quotas and credits.") var cost: Int64 = 1
    /// Accepted for scripts written when `check` spent limits by default; checks never record anything now.
    @Flag(name: .customLong("dry-run"), help: .hidden) var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard ["nginx", "apache"].contains(self.frontend) else {
            throw ValidationError("--frontend must be nginx or apache")
        }
    }

    func run() throws {
        if case .postgres(let url) = DatabaseLocation(self.store.path) {
            throw CLIError("--db \(url.redacted): keygate check reads a host's SQLite file, not PostgreSQL")
        }
        var secret = self.key
        if secret == "-" {
            var line = [UInt8](repeating: 0, count: 1024)
            let count = read(0, &line, line.count)
            secret = String(decoding: line.prefix(max(count, 0)).prefix { $0 != 10 && $0 != 13 }, as: UTF8.self)
        }
        var logger = Logger(label: "keygate", factory: { StderrLogHandler(label: $0, level: .warning) })
        logger.logLevel = .warning
        let counters = try self.readOnlyCounters()
        let gate = try Gate(
            databasePath: self.store.path, policy: GatePolicy(), lastUsed: nil, counters: counters, logger: logger)
        let request = AuthRequest(
            authorization: secret.map { "Bearer " + $0 }, uri: self.uri, method: self.method,
            remoteAddress: self.remoteAddr,
            origin: self.origin, requiredScopes: try KeyArguments.scopes(self.scopes),
            profile: .fastCGI(self.frontend == "apache" ? .apacheAuthorizer : .nginx), cost: self.cost, dryRun: true)
        let decision = gate.decide(request, nowMicros: Clock.nowMicros())
        let answer = AuthAnswer(decision, profile: request.profile, policy: gate.policy)
        if self.json {
            print(
                JSONValue.object([
                    ("outcome", .string(decision.outcome.rawValue)),
                    ("status", .int(Int64(answer.status))),
                    ("key_id", decision.key.map { .string($0.id) } ?? .null),
                    ("headers", .array(answer.headers.map { .array([.string($0.name), .string($0.value)]) })),
                ]).text)
        } else {
            print("outcome: \(decision.outcome.rawValue)  (\(decision.outcome.title))")
            print("status:  \(answer.status)")
            for header in answer.headers { print("\(header.name): \(header.value)") }
        }
        if decision.outcome != .allow { throw ExitCode(2) }
    }

    /// The counters file serve uses, or (when there is none yet) a fresh table in an unlinked scratch file, so a check
    /// never creates a file that a server running as another user would then find owned by this one.
    func readOnlyCounters() throws -> CounterTable {
        let path = self.counters ?? self.store.path + ".counters"
        if access(path, F_OK) == 0 { return try CounterTable(path: path, capacity: self.countersCapacity) }
        var template = Array("/tmp/keygate-check-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw SystemCallError(call: "mkstemp", errno: .current, detail: "/tmp/keygate-check-XXXXXX")
        }
        close(fd)
        let scratch = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(scratch) }
        return try CounterTable(path: scratch, capacity: self.countersCapacity)
    }
}
