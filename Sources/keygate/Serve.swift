import ArgumentParser
import CKeygateLinux
import Glibc
import KeygateCore
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// The options of `keygate serve`; also the vocabulary of the `--config` file (`name = value` per line).
struct ServeOptions: ParsableArguments {
    /// Not ``StoreOptions``, whose validation (a database is required) would run before the config file is read.
    @Option(name: .long, help: ArgumentHelp("SQLite key database (default: $KEYGATE_DB).", valueName: "path"))
    var db: String?
    @Option(help: ArgumentHelp(
            "Where to accept requests (repeatable). FastCGI: unix:PATH, HOST:PORT, fd:0 or systemd. HTTP/1.1 forward "
                + "auth: http://HOST:PORT or http+unix:PATH, with ?for=nginx|caddy|traefik|envoy (default nginx), "
                + "&allow=204|200, &client-ip=x-forwarded-for|x-real-ip.", valueName: "address"))
    var listen: [String] = []
    @Option(name: .customLong("socket-mode"), help: "Permissions of unix sockets keygate creates (octal).")
    var socketMode: String = "0660"
    @Option(help: "Worker processes (default: half the cores, at least 1; 0: serve in this process, as under mod_fcgid).")
    var workers: Int?

    /// nginx needs cores too: on 2 cores one worker measured fastest (bench/RESULTS.md).
    var workerCount: Int { self.workers ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) / 2) }
    @Option(help: "Shared last-used table (default: <db>.state; 'off' disables).") var state: String?
    @Option(name: .customLong("state-capacity"), help: "Key slots in the shared state file.") var stateCapacity: Int = 65_536
    @Option(help: "Shared rate-limit counters file (default: <db>.counters; 'off' refuses keys that have limits).")
    var counters: String?
    @Option(name: .customLong("counters-capacity"), help: "Key slots in the counters file (128 bytes each).")
    var countersCapacity: Int = 65_536
    @Option(name: .customLong("ip-limit"), help: "Per client IP, on requests without a valid key (throttles key guessing), e.g. 30/min.")
    var ipLimit: String?
    @Option(name: .customLong("global-ip-limit"), help: "Per client IP, on every request, e.g. 100/s.")
    var globalIPLimit: String?
    @Option(name: .customLong("ip-table-size"), help: "Entries of the per-IP table (64 bytes each; fixed, never grows).")
    var ipTableSize: Int = 65_536
    @Flag(name: .customLong("explain-only"), help: "Only explain Apache ErrorDocument redirects, read-only (as keygate-explain).")
    var explainOnly = false
    @Flag(name: .customLong("rebuild-state"), help: ArgumentHelp(
            "Start a fresh counters file restored from SQLite (counts as of the last roll-up), e.g. after it was lost; "
                + "also recreates a state file of another layout or size."))
    var rebuildState = false
    @Option(name: .customLong("trust-proxy"), help: "A proxy whose X-Forwarded-For is believed (repeatable; CIDR).")
    var trustProxies: [String] = []
    @Option(name: .customLong("key-query-param"), help: "Also accept the key in this query parameter (off by default: URLs get logged).")
    var keyQueryParam: String?
    @Option(help: "Realm in WWW-Authenticate.") var realm: String = "api"
    @Flag(name: .customLong("no-identity-headers"), help: "Do not send the key id, name, owner and scopes on allow.")
    var noIdentityHeaders = false
    @Option(name: .customLong("max-connections"), help: "Connections per worker (at the cap, idle ones make room).")
    var maxConnections: Int = 1024
    @Option(name: .customLong("max-params-bytes"), help: "Largest FastCGI PARAMS stream accepted per request.")
    var maxParamsBytes: Int = 65_536
    @Option(name: .customLong("idle-timeout"), help: "Close kept-alive connections idle this long.") var idleTimeout: String = "75s"
    @Option(name: .customLong("request-timeout"), help: "A request must be whole this long after its first byte.")
    var requestTimeout: String = "5s"
    @Option(name: .customLong("drain-timeout"), help: "On SIGTERM, wait this long for in-flight requests.")
    var drainTimeout: String = "10s"
    @Option(
        name: .customLong("stuck-worker-timeout"),
        help: "Kill and restart a worker stopped (SIGSTOP, debugger) this long: it may hold key leases ('off': never).")
    var stuckWorkerTimeout: String = "10s"
    @Flag(name: .customLong("allow-non-loopback"), help: "Permit TCP addresses other than 127.0.0.0/8 and ::1.")
    var allowNonLoopback = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"
    @Option(help: "A file of `option = value` lines (same names as the flags); re-read on SIGHUP.") var config: String?
    @Option(name: .customLong("worker-fds"), help: .hidden) var workerFDs: String?
    @Option(name: .customLong("worker-ready-fd"), help: .hidden) var workerReadyFD: Int32?
    @Option(name: .customLong("counters-file-id"), help: .hidden) var countersFileID: String?

    /// Names in a config file that are flags (`name = true`) rather than options.
    static let flagNames: Set<String> = ["no-identity-headers", "allow-non-loopback", "rebuild-state", "explain-only"]

    var level: Logger.Level? { Logger.Level(rawValue: self.logLevel) }

    /// `--stuck-worker-timeout` in milliseconds; `nil` when off (or malformed, which ``validate()`` refuses).
    var stuckWorkerTimeoutMillis: Int64? {
        self.stuckWorkerTimeout == "off" ? nil : DurationSpec.seconds(self.stuckWorkerTimeout).map { $0 * 1000 }
    }

    func validate() throws {
        if self.stuckWorkerTimeout != "off" && self.stuckWorkerTimeoutMillis == nil {
            throw ValidationError(
                "--stuck-worker-timeout \(self.stuckWorkerTimeout): use a duration such as 10s, or off")
        }
    }
}

/// A configuration resolved and checked before anything starts.
struct ResolvedServe {
    var options: ServeOptions
    var worker: WorkerConfiguration
    var addresses: [ListenerSpec]
    var level: Logger.Level
    /// What workers are started with: the options with the config file already folded in.
    var workerArguments: [String]
    /// Optional files that cannot be used: logged once, by the process that resolved them.
    var warnings: [OptionalFileWarning] = []
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve FastCGI auth decisions to nginx auth_request or Apache.",
        discussion: """
            Examples:
              keygate serve --db keys.db --listen unix:/run/keygate/keygate.sock --workers 4
              keygate serve --config /etc/keygate/keygate.conf      # SIGHUP re-reads it
            """)

    @OptionGroup var options: ServeOptions

    func run() throws {
        var commandLine = Array(CommandLine.arguments.dropFirst().drop { $0 != "serve" }.dropFirst())
        if CommandLine.arguments.count == 1 {
            commandLine = ["--listen", "fd:0", "--workers", "0"]
            if CommandLine.arguments[0].split(separator: "/").last == "keygate-explain" { commandLine.append("--explain-only") }
        }
        let resolved = try Self.resolve(commandLine: commandLine)
        StderrLogHandler.bootstrap(level: resolved.level, keyQueryParameter: resolved.options.keyQueryParam)
        let logger = Logger(label: "keygate")
        for warning in resolved.warnings { logger.warning("\(warning)") }

        if let fdList = resolved.options.workerFDs {
            // A worker spawned by the supervisor: the listening sockets are already open at these descriptors.
            _ = CKeygateLinux_set_parent_death_signal(SIGTERM)
            if getppid() == 1 { throw ExitCode(0) }  // the supervisor died before we could ask to follow it
            let listeners = fdList.split(separator: ",").compactMap { ListeningSocket.fromWorkerToken($0) }
            try Self.runWorker(resolved.worker, listeners: listeners, logger: logger, readyFD: resolved.options.workerReadyFD)
            return
        }
        let listeners = try resolved.addresses.flatMap {
            try ListeningSocket.open($0, unixMode: mode_t(resolved.options.socketMode, radix: 8) ?? 0o660)
        }
        if resolved.options.workerCount == 0 {
            try Self.runWorker(resolved.worker, listeners: listeners, logger: logger, rollsUpUsage: true)
            for listener in listeners { if let path = listener.createdPath { unlink(path) } }
            return
        }
        let plan = Self.plan(resolved)
        let supervisor = try Supervisor(plan: plan, listeners: listeners, logger: logger) {
            let reloaded = try Self.resolve(commandLine: commandLine, reloading: true)
            for warning in reloaded.warnings { logger.warning("\(warning)") }
            return Self.plan(reloaded)
        }
        let status = supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }

    static func runWorker(
        _ configuration: WorkerConfiguration, listeners: [ListeningSocket], logger: Logger, readyFD: CInt? = nil,
        rollsUpUsage: Bool = false
    ) throws {
        let worker: Worker
        do {
            worker = try Worker(configuration: configuration, listeners: listeners, logger: logger, rollsUpUsage: rollsUpUsage)
        } catch {
            logger.critical("worker cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(78)  // EX_CONFIG
        }
        try worker.run(readyFD: readyFD)
    }

    static func plan(_ resolved: ResolvedServe) -> SupervisorPlan {
        SupervisorPlan(
            workerCount: resolved.options.workerCount, workerArguments: ["serve"] + resolved.workerArguments,
            databasePath: resolved.worker.databasePath, lastUsedPath: resolved.worker.lastUsedPath,
            lastUsedCapacity: resolved.worker.lastUsedCapacity, countersPath: resolved.worker.countersPath,
            countersCapacity: resolved.worker.countersCapacity, countersFileID: resolved.worker.countersFileID,
            drainTimeoutMillis: resolved.worker.drainTimeoutMillis, listenAddresses: resolved.addresses,
            stuckWorkerTimeoutMillis: resolved.options.stuckWorkerTimeoutMillis)
    }

    /// Folds in the config file (command-line values win), then checks everything that could fail later:
    /// addresses, durations, proxies, and that the database opens read-only at the current schema.
    ///
    /// The command line is not parsed before the file is read (`--config` is found by hand), so a file may give what
    /// the command line must otherwise give (`db`, `listen`); an error about an option set in the file names its line.
    /// On a reload (`reloading`) `--rebuild-state` is not acted on again: the running file is the rebuilt one.
    static func resolve(commandLine: [String], reloading: Bool = false) throws -> ResolvedServe {
        var configPath = ConfigFile.values(of: "config", in: commandLine).last
        if configPath == nil, ConfigFile.values(of: "listen", in: commandLine) == ["fd:0"],
            let fromEnv = getenv("KEYGATE_CONFIG")
        {
            configPath = String(cString: fromEnv)
        }
        guard let configPath else { return try Self.resolve(arguments: commandLine, reloading: reloading) }
        let file = try ConfigFile(path: configPath, flagNames: ServeOptions.flagNames)
        // Each line alone, with a placeholder database so that only the line itself can be wrong.
        try file.checkEachLine({ _ = try ServeOptions.parse(["--db", "-"] + $0) }, message: { ServeOptions.message(for: $0) })
        let rest = Self.removingConfig(commandLine)
        do {
            return try Self.resolve(arguments: file.arguments(overriddenBy: rest), reloading: reloading)
        } catch {
            throw file.locating(error, commandLine: rest)
        }
    }

    /// ``resolve(commandLine:)`` once the config file's lines are part of `arguments`.
    private static func resolve(arguments: [String], reloading: Bool) throws -> ResolvedServe {
        let options = try ServeOptions.parse(arguments)
        guard let level = options.level else {
            throw ValidationError("--log-level \(options.logLevel): use trace, debug, info, notice, warning, error or critical")
        }
        guard (0...64).contains(options.workerCount) else { throw ValidationError("--workers must be 0-64") }
        guard mode_t(options.socketMode, radix: 8) != nil, options.socketMode.count <= 4 else {
            throw ValidationError("--socket-mode \(options.socketMode): give octal permissions such as 0660")
        }
        guard (1...65_536).contains(options.maxConnections) else { throw ValidationError("--max-connections must be 1-65536") }
        guard (1_024...1 << 24).contains(options.maxParamsBytes) else {
            throw ValidationError("--max-params-bytes must be between 1024 and 16777216")
        }
        guard (1...1 << 24).contains(options.stateCapacity) else { throw ValidationError("--state-capacity must be 1-16777216") }
        func millis(_ text: String, _ flag: String) throws -> Int64 {
            guard let seconds = DurationSpec.seconds(text) else {
                throw ValidationError("--\(flag) \(text): use a duration such as 5s, 2min or 1h")
            }
            return seconds * 1000
        }
        var addresses: [ListenerSpec] = []
        for text in options.listen {
            switch ListenerSpec.parse(text) {
            case .success(let address):
                if !address.address.isLocalOnly && !options.allowNonLoopback {
                    throw ValidationError(
                        "--listen \(text): keygate binds only to loopback or unix sockets unless --allow-non-loopback is given")
                }
                addresses.append(address)
            case .failure(let error):
                let message = error.description
                throw ValidationError(message.hasPrefix("--listen") ? message : "--listen \(text): \(message)")
            }
        }
        if addresses.isEmpty && options.workerFDs == nil {
            throw ValidationError(
                "nothing to listen on: pass --listen unix:PATH (or HOST:PORT, fd:0, systemd), or http://127.0.0.1:PORT")
        }
        let proxies = try options.trustProxies.map { text in
            guard let network = CIDR(text) else { throw ValidationError("--trust-proxy \(text): not an address or CIDR network") }
            return network
        }
        if let name = options.keyQueryParam, name.isEmpty || name.contains(where: { "&=?# ".contains($0) }) {
            throw ValidationError("--key-query-param \(name): give a plain parameter name such as api_key")
        }
        func ipPolicy(_ spec: String?, _ flag: String, _ name: String) throws -> RateLimitPolicy? {
            guard let spec else { return nil }
            do { return try RateLimitPolicy.parse(spec, name: name) } catch { throw ValidationError("--\(flag): \(error)") }
        }
        let keylessIPLimit = try ipPolicy(options.ipLimit, "ip-limit", "per-ip")
        let globalIPLimit = try ipPolicy(options.globalIPLimit, "global-ip-limit", "per-ip-all")
        guard (IPTable.probe...1 << 24).contains(options.ipTableSize) else {
            throw ValidationError("--ip-table-size must be \(IPTable.probe)-16777216")
        }
        guard let database = options.db ?? getenv("KEYGATE_DB").map({ String(cString: $0) }) else {
            throw ValidationError("no key database: pass --db PATH, set db = PATH in the --config file, or set KEYGATE_DB")
        }
        // Fail now, not at the first request: the database must exist, be readable and at this build's schema.
        do {
            _ = try KeyLookup(path: database)
        } catch {
            throw CLIError("--db \(database): cannot serve from it: \(error)")
        }
        var statePath: String? = options.state ?? database + ".state"
        if options.state == "off" { statePath = nil }
        var countersPath: String? = options.counters ?? database + ".counters"
        if options.counters == "off" { countersPath = nil }
        guard (1...1 << 24).contains(options.countersCapacity) else {
            throw ValidationError("--counters-capacity must be 1-16777216")
        }
        var countersFileID: UInt64? = nil
        if let countersPath {
            if options.workerFDs != nil {
                // A worker: the supervisor checked (or created) the file; the worker opens only that file.
                countersFileID = options.countersFileID.flatMap { UInt64($0, radix: 16) }
            } else {
                countersFileID = try Self.pairCounters(
                    path: countersPath, capacity: options.countersCapacity, database: database,
                    rebuild: options.rebuildState && !reloading)
            }
        }
        let ipTablePath: String? = keylessIPLimit == nil && globalIPLimit == nil ? nil : database + ".ipcounters"
        if let ipTablePath {
            do {
                _ = try IPTable(
                    path: ipTablePath, capacity: options.ipTableSize, rebuild: options.rebuildState && options.workerFDs == nil)
            } catch {
                throw CLIError("--ip-table-size: \(error)")
            }
        }
        // The last-used table is optional: a file this user cannot open (say, created by root and opened by Apache's
        // www-data copy) costs last-used times, with one warning, never a request.
        var warnings: [OptionalFileWarning] = []
        if let path = statePath {
            do {
                _ = try LastUsedTable(
                    path: path, capacity: options.stateCapacity, rebuild: options.rebuildState && options.workerFDs == nil)
            } catch {
                warnings.append(
                    OptionalFileWarning(
                        path: path, error: error, consequence: "serving without last-used times",
                        disablingOption: "--state off"))
                statePath = nil
            }
        }
        var worker = WorkerConfiguration(
            databasePath: database, lastUsedPath: statePath, lastUsedCapacity: options.stateCapacity,
            countersPath: countersPath, countersCapacity: options.countersCapacity,
            policy: GatePolicy(
                queryParameter: options.keyQueryParam, trustedProxies: proxies, realm: options.realm,
                identityHeaders: !options.noIdentityHeaders, keylessIPLimit: keylessIPLimit, globalIPLimit: globalIPLimit),
            limits: FastCGILimits(
                maxParamsBytes: options.maxParamsBytes, maxConnections: options.maxConnections,
                maxRequests: options.maxConnections),
            maxConnections: options.maxConnections,
            idleTimeoutMillis: try millis(options.idleTimeout, "idle-timeout"),
            requestTimeoutMillis: try millis(options.requestTimeout, "request-timeout"),
            drainTimeoutMillis: try millis(options.drainTimeout, "drain-timeout"))
        worker.ipTablePath = ipTablePath
        worker.countersFileID = countersFileID
        worker.policy.explainOnly = options.explainOnly
        worker.ipTableCapacity = options.ipTableSize
        // Workers never rebuild: the supervisor did it once, before they start.
        var workerArguments = Self.removingConfig(arguments).filter { $0 != "--rebuild-state" }
        if options.db == nil { workerArguments += ["--db", database] }
        if !warnings.isEmpty { workerArguments += ["--state", "off"] }  // warned once here, not again per worker
        if let countersFileID, options.workerFDs == nil {
            workerArguments += ["--counters-file-id", String(countersFileID, radix: 16)]
        }
        return ResolvedServe(
            options: options, worker: worker, addresses: addresses, level: level, workerArguments: workerArguments,
            warnings: warnings)
    }

    /// A new (or rebuilt) counters file starts from zero: restore each key's quota use from `usage_daily`, so losing
    /// the file never grants a fresh day or month. (Counted in requests: exact when each request costs 1.)
    static func seedQuotas(_ table: CounterTable, database: String, skipping restored: Set<Int> = []) throws {
        let store: KeyStore
        do { store = try KeyStore(path: database, create: false) } catch { return }  // read-only database: nothing to seed from
        let nowMicros = Clock.nowMicros()
        let today = String(Timestamp.iso8601(nowMicros / 1_000_000).prefix(10))
        let monthStart = String(today.prefix(8)) + "01"
        for key in try store.list(includeRevoked: false)
        where !key.policies.quotas.isEmpty && key.slot < table.capacity && !restored.contains(key.slot) {
            let days = try store.usage(keyID: key.id, sinceDay: monthStart)
            table.seedQuotas(
                slot: key.slot, owner: CounterTable.fingerprint(of: key.id), quotas: key.policies.quotas,
                usedToday: days.filter { $0.day == today }.reduce(0) { $0 + $1.admitted },
                usedThisMonth: days.reduce(0) { $0 + $1.admitted }, nowMicros: nowMicros)
        }
    }

    static func removingConfig(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var skip = false
        for argument in arguments {
            if skip { skip = false; continue }
            if argument == "--config" { skip = true; continue }
            if argument.hasPrefix("--config=") { continue }
            result.append(argument)
        }
        return result
    }
}
