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
    @Option(
        help: ArgumentHelp(
            "Where to accept requests (repeatable). FastCGI: unix:PATH, HOST:PORT, fd:0 or systemd[:NAME]. HTTP/1.1 "
                + "forward auth: http://HOST:PORT, http+unix:PATH or http+systemd[:NAME] (socket activation; NAME: the "
                + "socket's FileDescriptorName=), with ?for=nginx|caddy|traefik|envoy (default nginx), "
                + "&allow=204|200, &client-ip=x-forwarded-for|x-real-ip, &ratelimit=all|ietf|none (which rate-limit "
                + "fields answers carry).", valueName: "address"))
    var listen: [String] = []
    @Option(name: .customLong("socket-mode"), help: "Permissions of unix sockets keygate creates (octal).")
    var socketMode: String = "0660"
    @Option(
        help: "Worker processes (default: half the cores, at least 1; 0: serve in this process, as under mod_fcgid).")
    /// nginx needs cores too: on 2 cores one worker measured fastest (bench/RESULTS.md), hence half by default.
    var workers: Int?
    @Option(help: "Shared last-used table (default: <db>.state; 'off' disables).") var state: String?
    @Option(name: .customLong("state-capacity"), help: "Key slots in the shared state file.") var stateCapacity: Int =
        65_536
    @Option(help: "Shared rate-limit counters file (default: <db>.counters; 'off' refuses keys that have limits).")
    var counters: String?
    @Option(name: .customLong("counters-capacity"), help: "Key slots in the counters file (128 bytes each).")
    var countersCapacity: Int = 65_536
    @Option(
        name: .customLong("ip-limit"),
        help: "Per client IP, on requests without a valid key (throttles key guessing), e.g. 30/min.")
    var ipLimit: String?
    @Option(name: .customLong("global-ip-limit"), help: "Per client IP, on every request, e.g. 100/s.")
    var globalIPLimit: String?
    @Option(
        name: .customLong("ip-table-size"), help: "Entries of the per-IP table (64 bytes each; fixed, never grows).")
    var ipTableSize: Int = 65_536
    @Flag(
        name: .customLong("explain-only"),
        help: "Only explain Apache ErrorDocument redirects, read-only (as keygate-explain).")
    var explainOnly = false
    @Flag(
        name: .customLong("rebuild-state"),
        help: ArgumentHelp(
            "Start a fresh counters file restored from SQLite (counts as of the last roll-up), e.g. after it was lost; "
                + "also recreates a state file of another layout or size."))
    var rebuildState = false
    @Option(name: .customLong("trust-proxy"), help: "A proxy whose X-Forwarded-For is believed (repeatable; CIDR).")
    var trustProxies: [String] = []
    @Option(
        name: .customLong("key-query-param"),
        help: "Also accept the key in this query parameter (off by default: URLs get logged).")
    var keyQueryParam: String?
    @Option(help: "Realm in WWW-Authenticate.") var realm: String = "api"
    @Flag(name: .customLong("no-identity-headers"), help: "Do not send the key id, name, owner and scopes on allow.")
    var noIdentityHeaders = false
    @Option(name: .customLong("max-connections"), help: "Connections per worker (at the cap, idle ones make room).")
    var maxConnections: Int = 1024
    @Option(name: .customLong("max-params-bytes"), help: "Largest FastCGI PARAMS stream accepted per request.")
    var maxParamsBytes: Int = 65_536
    @Option(name: .customLong("idle-timeout"), help: "Close kept-alive connections idle this long.") var idleTimeout:
        String = "75s"
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
    @Option(name: .customLong("log-format"), help: "text (one line per event) or json (one JSON object per line).")
    var logFormat: String = "text"
    @Flag(
        name: .customLong("log-denials"),
        help: "Log every denial at info level (key id, reason, client, request id), limited like every repeated line.")
    var logDenials = false
    @Option(
        name: .customLong("metrics-listen"),
        help: ArgumentHelp(
            "Serve /metrics (Prometheus, OpenMetrics), /healthz and /readyz on http://HOST:PORT or http+unix:PATH "
                + "(off by default; a non-loopback address needs --metrics-token-file).", valueName: "address"))
    var metricsListen: [String] = []
    @Option(
        name: .customLong("metrics-token-file"),
        help: "/metrics answers only requests with `Authorization: Bearer <this file's token>`.")
    var metricsTokenFile: String?
    @Option(
        name: .customLong("limits-from"),
        help: ArgumentHelp(
            "Share keys' rate limits and quotas with other hosts through this Redis 7 (redis://HOST:PORT); one agent "
                + "process per host leases permits, workers never wait on Redis for more than 2 ms.",
            valueName: "url"))
    var limitsFrom: String?
    @Option(
        name: .customLong("cluster-node"),
        help: "This host's name among the hosts sharing limits (default: the host name and --db path).")
    var clusterNode: String?
    @Option(
        name: .customLong("cluster-max-nodes"),
        help: "The most hosts sharing limits: while Redis is unreachable each admits 1/N of a rate limit.")
    var clusterMaxNodes: Int = 4
    @Option(
        name: .customLong("keys-from"),
        help: ArgumentHelp(
            "Mirror keys from this PostgreSQL key store (postgresql://…) into --db, which workers keep reading; "
                + "revocations reach this host in milliseconds.", valueName: "url"))
    var keysFrom: String?
    @Option(
        name: .customLong("max-key-staleness"),
        help: "With --keys-from: keys not refreshed from PostgreSQL for this long make /readyz answer 503.")
    var maxKeyStaleness: String = "30s"
    @Flag(
        name: .customLong("strict-key-staleness"),
        help: "With --keys-from: refuse every key (503) once the keys are staler than --max-key-staleness.")
    var strictKeyStaleness = false
    @Option(
        name: .customLong("admin-listen"),
        help: ArgumentHelp(
            "Serve the admin API (keys, usage, audit as JSON; admin keys from `keygate admin-keys create`) on "
                + "http://127.0.0.1:PORT or http+unix:PATH, in its own process; loopback only: put a TLS server in "
                + "front for remote use.", valueName: "address"))
    var adminListen: String?
    @Option(
        name: .customLong("admin-key-limit"),
        help: ArgumentHelp(
            "Requests each admin key may make to the admin API, as N/s or N/min with an optional ,burst=B "
                + "(default 1000/s, burst 2000).", valueName: "limit"))
    var adminKeyLimit: String?
    @Option(
        name: .customLong("admin-nice"),
        help: ArgumentHelp(
            "How many steps of CPU priority (nice) the admin server runs below the workers, 0 to 19: on a busy "
                + "machine decisions get the CPU first.", valueName: "steps"))
    var adminNice: Int = 10
    @Option(help: "A file of `option = value` lines (same names as the flags); re-read on SIGHUP.") var config: String?
    /// Set only by the supervisor, which hands the worker its configuration in ``WorkerDocument/environmentName``.
    @Flag(name: .customLong("worker"), help: .hidden) var worker = false
    /// Set only by the supervisor for the process that serves `--metrics-listen`.
    @Flag(name: .customLong("metrics-server"), help: .hidden) var metricsServer = false
    /// Set only by the supervisor for the process that leases shared limits from Redis (`--limits-from`).
    @Flag(name: .customLong("cluster-agent"), help: .hidden) var clusterAgent = false
    /// Set only by the supervisor for the process that serves `--admin-listen`.
    @Flag(name: .customLong("admin-server"), help: .hidden) var adminServer = false

    /// Names in a config file that are flags (`name = true`) rather than options.
    static let flagNames: Set<String> = [
        "no-identity-headers", "allow-non-loopback", "rebuild-state", "explain-only", "log-denials",
        "strict-key-staleness",
    ]
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
        if self.options.worker || self.options.metricsServer || self.options.clusterAgent || self.options.adminServer {
            return try Self.runHandedWorker(
                metricsServer: self.options.metricsServer, clusterAgent: self.options.clusterAgent,
                adminServer: self.options.adminServer)
        }
        var commandLine = Array(CommandLine.arguments.dropFirst().drop { $0 != "serve" }.dropFirst())
        if CommandLine.arguments.count == 1 {
            commandLine = ["--listen", "fd:0", "--workers", "0"]
            if CommandLine.arguments[0].split(separator: "/").last == "keygate-explain" {
                commandLine.append("--explain-only")
            }
        }
        let configuration: ServeConfiguration
        let input: ServeInput
        do {
            input = try ServeInput.gathering(commandLine: commandLine)
            configuration = try ServeConfiguration(resolving: input)
        } catch {
            throw ValidationError("\(error)")
        }
        var prepared = try Self.prepare(configuration, locatingErrorsWith: input, reloading: false)
        StderrLogHandler.bootstrap(
            level: configuration.worker.logLevel, format: configuration.worker.logFormat,
            keyQueryParameter: configuration.worker.policy.queryParameter)
        let logger = Logger(label: "keygate")
        for warning in prepared.warnings { logger.warning("\(warning)") }
        let notifier = SystemdNotifier.fromEnvironment(logger: logger)  // before any worker is spawned

        if let tokenFile = configuration.worker.metricsTokenFile {
            do { _ = try MetricsServer.readToken(path: tokenFile) } catch { throw ValidationError("\(error)") }
        }
        let listeners = try configuration.listeners.flatMap {
            try ListeningSocket.open($0, unixMode: configuration.socketMode)
        }
        let metricsListeners = try configuration.metricsListeners.flatMap {
            try ListeningSocket.open($0, unixMode: configuration.socketMode)
        }
        try Self.checkAdminListener(configuration)
        if configuration.workerCount == 0 {
            let worker = prepared.worker
            prepared.counters = nil  // the worker maps what it needs itself
            prepared.lastUsed = nil
            try Self.runWorker(worker, listeners: listeners, logger: logger, rollsUpUsage: true, notifier: notifier)
            for listener in listeners { if let path = listener.createdPath { unlink(path) } }
            return
        }
        let arguments = commandLine
        let supervisor = try Supervisor(
            plan: Self.plan(configuration, prepared), listeners: listeners, counters: prepared.counters,
            lastUsed: prepared.lastUsed, metricsListeners: metricsListeners, logger: logger, notifier: notifier
        ) {
            let input = try ServeInput.gathering(commandLine: arguments)
            let configuration = try ServeConfiguration(resolving: input)
            let reloaded = try Self.prepare(configuration, locatingErrorsWith: input, reloading: true)
            for warning in reloaded.warnings { logger.warning("\(warning)") }
            return Self.plan(configuration, reloaded)
        }
        let status = supervisor.run()
        for listener in metricsListeners { if let path = listener.createdPath { unlink(path) } }
        if status != 0 { throw ExitCode(status) }
    }

    /// A worker spawned by the supervisor: decodes the ``WorkerDocument`` it was handed and serves, or refuses to
    /// start (exit 78, EX_CONFIG) with a message naming what is wrong with the document.
    static func runHandedWorker(metricsServer: Bool, clusterAgent: Bool = false, adminServer: Bool = false) throws {
        _ = CKeygateLinux_set_parent_death_signal(SIGTERM)
        if getppid() == 1 { throw ExitCode(0) }  // the supervisor died before we could ask to follow it
        let document: WorkerDocument
        do {
            guard let text = getenv(WorkerDocument.environmentName) else {
                throw ConfigurationError(
                    "no worker configuration in the environment: `serve --worker` is started only by keygate's "
                        + "supervisor")
            }
            document = try WorkerDocument(
                decoding: String(cString: text), expectingListeners: !clusterAgent && !adminServer)
            unsetenv(WorkerDocument.environmentName)
        } catch {
            StderrLogHandler.bootstrap(level: .info)
            Logger(label: "keygate").critical("worker refuses its configuration", metadata: ["error": "\(error)"])
            throw ExitCode(78)  // EX_CONFIG
        }
        let configuration = document.configuration
        StderrLogHandler.bootstrap(
            level: configuration.logLevel, format: configuration.logFormat,
            keyQueryParameter: configuration.policy.queryParameter)
        let logger = Logger(label: "keygate")
        if clusterAgent { return try Self.runClusterAgent(configuration, readyFD: document.readyFD, logger: logger) }
        if adminServer {
            return try Self.runAdminServer(
                configuration, readyFD: document.readyFD, metricsFD: document.metricsFD,
                metricsSlot: document.metricsSlot, logger: logger)
        }
        var metrics: (table: MetricsTable, slot: Int)?
        if let fd = document.metricsFD {
            do {
                let table = try MetricsTable(inheritedDescriptor: fd)
                if metricsServer {
                    let server = try MetricsServer(
                        configuration: configuration, listeners: document.listeners, table: table,
                        version: KeygateVersion.current, logger: logger)
                    server.run(readyFD: document.readyFD)
                    return
                }
                metrics = document.metricsSlot.map { (table, $0) }
            } catch {
                logger.critical("cannot use the shared metrics", metadata: ["error": "\(error)"])
                throw ExitCode(78)
            }
        }
        try Self.runWorker(
            configuration, listeners: document.listeners, logger: logger, readyFD: document.readyFD, metrics: metrics)
    }

    static func runWorker(
        _ configuration: WorkerConfiguration, listeners: [ListeningSocket], logger: Logger, readyFD: CInt? = nil,
        rollsUpUsage: Bool = false, metrics: (table: MetricsTable, slot: Int)? = nil, notifier: SystemdNotifier? = nil
    ) throws {
        let worker: Worker
        do {
            worker = try Worker(
                configuration: configuration, listeners: listeners, logger: logger, rollsUpUsage: rollsUpUsage,
                metrics: metrics)
        } catch {
            logger.critical("worker cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(78)  // EX_CONFIG
        }
        // The listening sockets are open: connections made from now on queue until the loop accepts them.
        let listen = listeners.map(\.address.description).joined(separator: ",")
        notifier?.send(.ready(mainPID: getpid(), status: "serving \(listen) in one process"))
        try worker.run(readyFD: readyFD)
        notifier?.send(.stopping)  // the drain is over: the process ends next
    }

    static func plan(_ configuration: ServeConfiguration, _ prepared: PreparedServe) -> SupervisorPlan {
        SupervisorPlan(
            workerCount: configuration.workerCount, worker: prepared.worker, listenAddresses: configuration.listeners,
            stuckWorkerTimeoutMillis: configuration.stuckWorkerTimeoutMillis)
    }

    /// A new (or rebuilt) counters file starts from zero: restore each key's quota use from `usage_daily`, so losing
    /// the file never grants a fresh day or month. (Counted in requests: exact when each request costs 1.)
    static func seedQuotas(_ table: CounterTable, database: String, skipping restored: Set<Int> = []) throws {
        let store: KeyStore
        // A read-only database: nothing to seed from.
        do { store = try KeyStore(path: database, create: false) } catch { return }
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
}
