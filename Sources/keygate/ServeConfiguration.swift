import ArgumentParser
import Glibc
import KeygateCore
import KeygateServer
import KeygateZone
import Logging

/// What `keygate serve` is given: its command line, the text of its config file and the environment, gathered once
/// so that ``ServeConfiguration/init(resolving:)`` reads no file and no global state.
struct ServeInput {
    /// The arguments after `serve`.
    var commandLine: [String]
    /// The config file's path and text, when `--config` (or `KEYGATE_CONFIG` under mod_fcgid) names one.
    var configFile: (path: String, text: String)?
    var environment: [String: String]
    /// Online processors: the default worker count is half of them.
    var processorCount: Int
    /// This machine's name: the default `--cluster-node`.
    var hostName = "localhost"

    /// Reads the environment and the config file `commandLine` names (the only I/O before resolving).
    static func gathering(commandLine: [String]) throws(ConfigurationError) -> ServeInput {
        var environment: [String: String] = [:]
        for name in ["KEYGATE_DB", "KEYGATE_CONFIG"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        var input = ServeInput(
            commandLine: commandLine, configFile: nil, environment: environment,
            processorCount: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var name = [CChar](repeating: 0, count: 256)
        if gethostname(&name, name.count - 1) == 0 {
            input.hostName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if let path = input.configPath {
            do { input.configFile = (path, try ConfigFile.text(at: path)) } catch {
                throw error as? ConfigurationError ?? ConfigurationError("--config \(path): \(error)")
            }
        }
        return input
    }

    /// The config file to read: the last `--config`, or `KEYGATE_CONFIG` when started as mod_fcgid starts keygate.
    var configPath: String? {
        if let path = ConfigFile.values(of: "config", in: self.commandLine).last { return path }
        guard ConfigFile.values(of: "listen", in: self.commandLine) == ["fd:0"] else { return nil }
        return self.environment["KEYGATE_CONFIG"]
    }

    /// The command line without `--config`, which the config file's lines are folded in front of.
    var commandLineWithoutConfig: [String] {
        var result: [String] = []
        var skip = false
        for argument in self.commandLine {
            if skip {
                skip = false
                continue
            }
            if argument == "--config" {
                skip = true
                continue
            }
            if argument.hasPrefix("--config=") { continue }
            result.append(argument)
        }
        return result
    }

    /// The message of `error` (from ArgumentParser, resolving or preparing), with the config file's name and line in
    /// front when it is about an option set only there.
    func locating(_ error: any Error) -> String {
        let message: String
        switch error {
        case let error as ConfigurationError: message = error.description
        case let error as ValidationError: message = error.message
        case let error as CLIError: message = error.description
        default: message = ServeOptions.message(for: error)
        }
        guard let source = self.configFile,
            let file = try? ConfigFile(path: source.path, text: source.text, flagNames: ServeOptions.flagNames)
        else { return message }
        return file.locating(message, commandLine: self.commandLineWithoutConfig)
    }
}

/// Everything `keygate serve` was asked to do, resolved and checked without touching a file: what each worker runs
/// with, where to listen, how many workers, and how the supervisor behaves.
struct ServeConfiguration {
    /// What workers are handed; the shared files' ids are filled in when the files are prepared.
    var worker: WorkerConfiguration
    var listeners: [ListenerSpec]
    /// `--metrics-listen`: where the metrics server answers (none: metrics are off).
    var metricsListeners: [ListenerSpec]
    /// 0: serve in this process (mod_fcgid, `--workers 0`).
    var workerCount: Int
    /// Permissions of the unix sockets keygate creates.
    var socketMode: mode_t
    var stuckWorkerTimeoutMillis: Int64?
    /// Start a fresh counters file restored from SQLite and recreate the state files (never on a reload).
    var rebuildState: Bool
}

extension ServeConfiguration {
    /// Folds the config file into the command line (command-line values win) and checks every value; throws a
    /// ``ConfigurationError`` naming the option (and the config file's line when it came from there) to fix.
    ///
    /// Pure: files named here (database, counters, state) are only opened by ``Serve/prepare(_:reloading:)``.
    init(resolving input: ServeInput) throws(ConfigurationError) {
        var arguments = input.commandLine
        do {
            if let source = input.configFile {
                let (file, problems) = Self.lineProblems(of: source)
                if let first = problems.first { throw first }
                arguments = file.arguments(overriddenBy: input.commandLineWithoutConfig)
            }
            self = try Self.resolving(options: try ServeOptions.parse(arguments), input: input)
        } catch {
            throw ConfigurationError(input.locating(error))
        }
    }

    /// The config file's problems line by line, in line order, with the file of its good lines: `serve` refuses the
    /// file with the first, `keygate config check` lists them all.
    static func lineProblems(of source: (path: String, text: String)) -> (
        file: ConfigFile, problems: [ConfigurationError]
    ) {
        ConfigFile.problems(
            path: source.path, text: source.text, flagNames: ServeOptions.flagNames,
            // Each line alone, with a placeholder database so that only the line itself can be wrong.
            parse: { _ = try ServeOptions.parse(["--db", "-"] + $0) }, message: { ServeOptions.message(for: $0) })
    }

    /// ``init(resolving:)`` once the config file's lines are part of `options`.
    private static func resolving(options: ServeOptions, input: ServeInput) throws(ConfigurationError) -> Self {
        guard let level = Logger.Level(rawValue: options.logLevel) else {
            throw ConfigurationError(
                "--log-level \(options.logLevel): use trace, debug, info, notice, warning, error or critical")
        }
        guard let logFormat = LogFormat(rawValue: options.logFormat) else {
            throw ConfigurationError("--log-format \(options.logFormat): use text or json")
        }
        let workerCount = options.workers ?? max(1, input.processorCount / 2)
        guard (0...64).contains(workerCount) else { throw ConfigurationError("--workers must be 0-64") }
        guard let socketMode = mode_t(options.socketMode, radix: 8), options.socketMode.count <= 4 else {
            throw ConfigurationError("--socket-mode \(options.socketMode): give octal permissions such as 0660")
        }
        guard (1...65_536).contains(options.maxConnections) else {
            throw ConfigurationError("--max-connections must be 1-65536")
        }
        guard (1_024...1 << 24).contains(options.maxParamsBytes) else {
            throw ConfigurationError("--max-params-bytes must be between 1024 and 16777216")
        }
        guard (1...1 << 24).contains(options.stateCapacity) else {
            throw ConfigurationError("--state-capacity must be 1-16777216")
        }
        guard (1...1 << 24).contains(options.countersCapacity) else {
            throw ConfigurationError("--counters-capacity must be 1-16777216")
        }
        guard (IPTable.probe...1 << 24).contains(options.ipTableSize) else {
            throw ConfigurationError("--ip-table-size must be \(IPTable.probe)-16777216")
        }
        let stuckWorkerTimeoutMillis: Int64? =
            try options.stuckWorkerTimeout == "off"
            ? nil : Self.millis(options.stuckWorkerTimeout, "stuck-worker-timeout", example: "10s, or off")
        let listeners = try Self.parsingListeners(options.listen, allowNonLoopback: options.allowNonLoopback)
        var proxies: [CIDR] = []
        for text in options.trustProxies {
            guard let network = CIDR(text) else {
                throw ConfigurationError("--trust-proxy \(text): not an address or CIDR network")
            }
            proxies.append(network)
        }
        if let name = options.keyQueryParam, name.isEmpty || name.contains(where: { "&=?# ".contains($0) }) {
            throw ConfigurationError("--key-query-param \(name): give a plain parameter name such as api_key")
        }
        let keylessIPLimit = try Self.ipPolicy(options.ipLimit, "ip-limit", name: "per-ip")
        let globalIPLimit = try Self.ipPolicy(options.globalIPLimit, "global-ip-limit", name: "per-ip-all")
        guard let database = options.db ?? input.environment["KEYGATE_DB"] else {
            throw ConfigurationError(
                "no key database: pass --db PATH, set db = PATH in the --config file, or set KEYGATE_DB")
        }
        if case .postgres(let url) = DatabaseLocation(database) {
            throw ConfigurationError(
                "--db \(url.redacted): keygate serve reads the host's SQLite file; PostgreSQL is for the CLI")
        }
        var worker = WorkerConfiguration(
            databasePath: database, lastUsedPath: options.state == "off" ? nil : options.state ?? database + ".state",
            lastUsedCapacity: options.stateCapacity,
            countersPath: options.counters == "off" ? nil : options.counters ?? database + ".counters",
            countersCapacity: options.countersCapacity,
            policy: GatePolicy(
                queryParameter: options.keyQueryParam, trustedProxies: proxies, realm: options.realm,
                identityHeaders: !options.noIdentityHeaders, keylessIPLimit: keylessIPLimit,
                globalIPLimit: globalIPLimit),
            limits: FastCGILimits(
                maxParamsBytes: options.maxParamsBytes, maxConnections: options.maxConnections,
                maxRequests: options.maxConnections),
            maxConnections: options.maxConnections,
            idleTimeoutMillis: try Self.millis(options.idleTimeout, "idle-timeout"),
            requestTimeoutMillis: try Self.millis(options.requestTimeout, "request-timeout"),
            drainTimeoutMillis: try Self.millis(options.drainTimeout, "drain-timeout"))
        worker.ipTablePath = keylessIPLimit == nil && globalIPLimit == nil ? nil : database + ".ipcounters"
        worker.ipTableCapacity = options.ipTableSize
        worker.policy.explainOnly = options.explainOnly
        worker.logLevel = level
        worker.logFormat = logFormat
        worker.logDenials = options.logDenials
        worker.listenerLabels = options.listen
        worker.metricsTokenFile = options.metricsTokenFile
        if let url = options.keysFrom {
            guard case .postgres = DatabaseLocation(url) else {
                throw ConfigurationError(
                    "--keys-from \(PostgresURL.redacting(url)): give the PostgreSQL key store's URL, "
                        + "postgresql://USER@HOST/DATABASE")
            }
            guard worker.countersPath != nil, workerCount > 0 else {
                throw ConfigurationError(
                    "--keys-from needs --workers 1 or more and the counters file: the supervisor runs the agent that "
                        + "mirrors the keys")
            }
            worker.keysFrom = url
            worker.maxKeyStalenessMillis = try Self.millis(options.maxKeyStaleness, "max-key-staleness")
            worker.strictKeyStaleness = options.strictKeyStaleness
        }
        if let url = options.limitsFrom {
            _ = try Serve.redisEndpoint(url)
            guard worker.countersPath != nil else {
                throw ConfigurationError("--limits-from needs the counters file: drop --counters off")
            }
            guard workerCount > 0 else {
                throw ConfigurationError(
                    "--limits-from needs --workers 1 or more: the supervisor runs the agent that talks to Redis")
            }
            guard (1...1_024).contains(options.clusterMaxNodes) else {
                throw ConfigurationError("--cluster-max-nodes must be 1-1024")
            }
            worker.limitsFrom = url
            worker.clusterMaxNodes = options.clusterMaxNodes
        }
        if worker.keysFrom != nil || worker.limitsFrom != nil {
            // Names this host in Redis's member set and in PostgreSQL's usage totals: never empty.
            worker.clusterNode = options.clusterNode ?? "\(input.hostName):\(database)"
        }
        let metricsListeners = try Self.parsingMetricsListeners(
            options.metricsListen, hasToken: options.metricsTokenFile != nil, workerCount: workerCount)
        if let text = options.adminListen {
            worker.adminListen = try Self.parsingAdminListener(text, workerCount: workerCount).text
        }
        if let spec = options.adminKeyLimit {
            guard options.adminListen != nil else { throw ConfigurationError("--admin-key-limit needs --admin-listen") }
            _ = try Self.adminKeyLimit(spec)
            worker.adminKeyLimit = spec
        }
        guard (0...19).contains(options.adminNice) else {
            throw ConfigurationError(
                "--admin-nice \(options.adminNice): give 0 (the workers' priority) to 19 (the lowest)")
        }
        worker.adminNice = options.adminNice
        return ServeConfiguration(
            worker: worker, listeners: listeners, metricsListeners: metricsListeners, workerCount: workerCount,
            socketMode: socketMode,
            stuckWorkerTimeoutMillis: stuckWorkerTimeoutMillis, rebuildState: options.rebuildState)
    }

    /// `text` (`5s`, `2min`, `1h`) in milliseconds, or an error naming `--flag`.
    private static func millis(
        _ text: String, _ flag: String, example: String = "5s, 2min or 1h"
    ) throws(ConfigurationError) -> Int64 {
        guard let seconds = DurationSpec.seconds(text) else {
            throw ConfigurationError("--\(flag) \(text): use a duration such as \(example)")
        }
        return seconds * 1000
    }

    /// Parses each `--listen`; only loopback and unix sockets unless `allowNonLoopback`.
    private static func parsingListeners(_ texts: [String], allowNonLoopback: Bool) throws(ConfigurationError)
        -> [ListenerSpec]
    {
        var listeners: [ListenerSpec] = []
        for text in texts {
            switch ListenerSpec.parse(text) {
            case .success(let listener):
                if !listener.address.isLocalOnly && !allowNonLoopback {
                    throw ConfigurationError(
                        "--listen \(text): keygate binds only to loopback or unix sockets unless --allow-non-loopback "
                            + "is given")
                }
                listeners.append(listener)
            case .failure(let error):
                let message = error.description
                throw ConfigurationError(message.hasPrefix("--listen") ? message : "--listen \(text): \(message)")
            }
        }
        guard !listeners.isEmpty else {
            throw ConfigurationError(
                "nothing to listen on: pass --listen unix:PATH (or HOST:PORT, fd:0, systemd), or http://127.0.0.1:PORT")
        }
        return listeners
    }

    /// Parses each `--metrics-listen`: HTTP only, loopback or unix unless a token file guards it, and workers to
    /// report on.
    private static func parsingMetricsListeners(_ texts: [String], hasToken: Bool, workerCount: Int)
        throws(ConfigurationError) -> [ListenerSpec]
    {
        var listeners: [ListenerSpec] = []
        for text in texts {
            switch ListenerSpec.parse(text) {
            case .success(let listener):
                guard case .http = listener.wire else {
                    throw ConfigurationError(
                        "--metrics-listen \(text): give http://127.0.0.1:PORT or http+unix:PATH (metrics speak HTTP)")
                }
                if !listener.address.isLocalOnly && !hasToken {
                    throw ConfigurationError(
                        "--metrics-listen \(text): a non-loopback metrics address needs --metrics-token-file (a bearer "
                            + "token Prometheus sends)")
                }
                listeners.append(listener)
            case .failure(let error):
                let message = error.description.replacing("--listen", with: "--metrics-listen")
                throw ConfigurationError(
                    message.hasPrefix("--metrics-listen") ? message : "--metrics-listen \(text): \(message)")
            }
        }
        if !listeners.isEmpty && workerCount == 0 {
            throw ConfigurationError(
                "--metrics-listen needs --workers 1 or more: with --workers 0 (mod_fcgid) no supervisor keeps the "
                    + "shared metrics")
        }
        return listeners
    }

    /// `--admin-key-limit` as requests per second and burst.
    static func adminKeyLimit(_ spec: String) throws(ConfigurationError) -> (rate: Double, burst: Double) {
        let policy: RateLimitPolicy
        do { policy = try RateLimitPolicy.parse(spec) } catch {
            throw ConfigurationError("--admin-key-limit \(spec): \(error)")
        }
        return (Double(policy.limit) * 1_000_000 / Double(policy.periodMicros), Double(policy.burst))
    }

    /// Parses `--admin-listen`: HTTP on loopback or a unix socket, with a supervisor to run it.
    static func parsingAdminListener(_ text: String, workerCount: Int) throws(ConfigurationError) -> (
        spec: ListenerSpec, text: String
    ) {
        switch ListenerSpec.parse(text) {
        case .success(let listener):
            guard case .http = listener.wire else {
                throw ConfigurationError(
                    "--admin-listen \(text): give http://127.0.0.1:PORT or http+unix:PATH (the admin API speaks HTTP)")
            }
            switch listener.address {
            case .tcp, .unix: break
            default:
                throw ConfigurationError(
                    "--admin-listen \(text): give http://127.0.0.1:PORT or http+unix:PATH (not an inherited socket)")
            }
            guard listener.address.isLocalOnly else {
                throw ConfigurationError(
                    "--admin-listen \(text): the admin API binds only to loopback or a unix socket; for remote use put "
                        + "a web server with TLS in front of it (README: Admin API and console)")
            }
            guard workerCount > 0 else {
                throw ConfigurationError(
                    "--admin-listen needs --workers 1 or more: with --workers 0 (mod_fcgid) no supervisor runs the "
                        + "admin server")
            }
            return (listener, text)
        case .failure(let error):
            let message = error.description.replacing("--listen", with: "--admin-listen")
            throw ConfigurationError(
                message.hasPrefix("--admin-listen") ? message : "--admin-listen \(text): \(message)")
        }
    }

    private static func ipPolicy(_ spec: String?, _ flag: String, name: String) throws(ConfigurationError)
        -> RateLimitPolicy?
    {
        guard let spec else { return nil }
        do { return try RateLimitPolicy.parse(spec, name: name) } catch {
            throw ConfigurationError("--\(flag): \(error)")
        }
    }
}
