import KeygateCore
import KeygateServer
import Testing

@testable import keygate

/// `keygate serve`'s configuration resolved from a command line, config-file text and an environment: no file is
/// read or created, so every case here is a value in and a value (or an error message) out.
struct ServeConfigurationTests {
    static func resolving(
        _ commandLine: [String], file: String? = nil, environment: [String: String] = [:], processors: Int = 8
    ) throws -> ServeConfiguration {
        let input = ServeInput(
            commandLine: commandLine + (file == nil ? [] : ["--config", "/etc/keygate.conf"]),
            configFile: file.map { ("/etc/keygate.conf", $0) }, environment: environment, processorCount: processors)
        return try ServeConfiguration(resolving: input)
    }

    /// The message of the error resolving throws, or `nil` when it resolves.
    static func refusal(
        _ commandLine: [String], file: String? = nil, environment: [String: String] = [:]
    ) -> String? {
        do {
            _ = try Self.resolving(commandLine, file: file, environment: environment)
            return nil
        } catch {
            return (error as? ConfigurationError)?.description ?? "not a ConfigurationError: \(error)"
        }
    }

    @Test func aCommandLineResolvesToATypedConfiguration() throws {
        let configuration = try Self.resolving([
            "--db", "/var/lib/keygate/keys.db", "--listen", "unix:/run/keygate/k.sock", "--listen",
            "http://127.0.0.1:9000?for=caddy", "--workers", "3", "--socket-mode", "0600", "--trust-proxy", "10.0.0.0/8",
            "--ip-limit", "30/min", "--idle-timeout", "2min", "--request-timeout", "3s", "--drain-timeout", "1h",
            "--stuck-worker-timeout", "off", "--log-level", "debug", "--realm", "r", "--no-identity-headers",
            "--max-connections", "10", "--max-params-bytes", "2048", "--key-query-param", "api_key",
        ])
        #expect(
            configuration.listeners.map(\.description) == [
                "unix:/run/keygate/k.sock", "http://127.0.0.1:9000?for=caddy&allow=204&client-ip=x-forwarded-for",
            ])
        #expect(configuration.workerCount == 3)
        #expect(configuration.socketMode == 0o600)
        #expect(configuration.stuckWorkerTimeoutMillis == nil)
        #expect(!configuration.rebuildState)
        let worker = configuration.worker
        #expect(worker.databasePath == "/var/lib/keygate/keys.db")
        #expect(worker.countersPath == "/var/lib/keygate/keys.db.counters")
        #expect(worker.lastUsedPath == "/var/lib/keygate/keys.db.state")
        #expect(worker.ipTablePath == "/var/lib/keygate/keys.db.ipcounters")
        #expect(worker.countersFileID == nil)  // known only once the files are prepared
        #expect(worker.policy.trustedProxies == [CIDR("10.0.0.0/8")!])
        #expect(worker.policy.keylessIPLimit == RateLimitPolicy(limit: 30, periodMicros: 60_000_000, name: "per-ip"))
        #expect(worker.policy.globalIPLimit == nil)
        #expect(
            worker.policy.realm == "r" && !worker.policy.identityHeaders && worker.policy.queryParameter == "api_key")
        #expect(worker.idleTimeoutMillis == 120_000 && worker.requestTimeoutMillis == 3_000)
        #expect(worker.drainTimeoutMillis == 3_600_000)
        #expect(worker.maxConnections == 10 && worker.limits.maxConnections == 10 && worker.limits.maxRequests == 10)
        #expect(worker.limits.maxParamsBytes == 2048)
        #expect(worker.logLevel == .debug)
    }

    @Test func defaultsComeFromTheEnvironmentAndTheProcessorCount() throws {
        let configuration = try Self.resolving(
            ["--listen", "fd:0"], environment: ["KEYGATE_DB": "/k.db"], processors: 2)
        #expect(configuration.worker.databasePath == "/k.db")
        #expect(configuration.workerCount == 1)
        #expect(configuration.socketMode == 0o660)
        #expect(configuration.stuckWorkerTimeoutMillis == 10_000)
        #expect(configuration.worker.ipTablePath == nil)
        #expect(configuration.worker.logLevel == .info)
        #expect(try Self.resolving(["--listen", "fd:0", "--db", "/k.db"], processors: 16).workerCount == 8)
        let off = try Self.resolving(["--listen", "fd:0", "--db", "/k.db", "--state", "off", "--counters", "off"])
        #expect(off.worker.lastUsedPath == nil && off.worker.countersPath == nil)
    }

    @Test func theConfigFileFillsInAndTheCommandLineWins() throws {
        let file = """
            # comment
            db = /from/file.db
            listen = unix:/run/a.sock
            listen = unix:/run/b.sock
            realm = "from file"
            rebuild-state = true
            allow-non-loopback = false
            workers = 4
            """
        let configuration = try Self.resolving(["--workers", "2"], file: file)
        #expect(configuration.worker.databasePath == "/from/file.db")
        #expect(configuration.listeners.map(\.description) == ["unix:/run/a.sock", "unix:/run/b.sock"])
        #expect(configuration.worker.policy.realm == "from file")
        #expect(configuration.rebuildState)
        #expect(configuration.workerCount == 2)
        let overridden = try Self.resolving(["--listen", "unix:/run/c.sock"], file: file)
        #expect(overridden.listeners.map(\.description) == ["unix:/run/c.sock"])
    }

    @Test func keygateConfigIsReadOnlyWhenStartedAsModFcgidStartsIt() {
        let fcgid = ServeInput(
            commandLine: ["--listen", "fd:0", "--workers", "0"], configFile: nil,
            environment: ["KEYGATE_CONFIG": "/etc/k.conf"], processorCount: 2)
        #expect(fcgid.configPath == "/etc/k.conf")
        var supervised = fcgid
        supervised.commandLine = ["--listen", "unix:/run/k.sock"]
        #expect(supervised.configPath == nil)
        supervised.commandLine += ["--config=/etc/other.conf"]
        #expect(supervised.configPath == "/etc/other.conf")
        #expect(supervised.commandLineWithoutConfig == ["--listen", "unix:/run/k.sock"])
    }

    @Test(arguments: [
        (["--listen", "fd:0"], "no key database: pass --db PATH"),
        (["--db", "k.db"], "nothing to listen on"),
        (["--db", "k.db", "--listen", "192.0.2.1:9000"], "--listen 192.0.2.1:9000: keygate binds only to loopback"),
        (
            ["--db", "k.db", "--listen", "https://127.0.0.1:9"],
            "--listen https://127.0.0.1:9: keygate speaks plain HTTP"
        ),
        (["--db", "k.db", "--listen", "fd:0", "--workers", "65"], "--workers must be 0-64"),
        (["--db", "k.db", "--listen", "fd:0", "--socket-mode", "rw"], "--socket-mode rw: give octal permissions"),
        (["--db", "k.db", "--listen", "fd:0", "--log-level", "loud"], "--log-level loud: use trace"),
        (["--db", "k.db", "--listen", "fd:0", "--idle-timeout", "soon"], "--idle-timeout soon: use a duration"),
        (["--db", "k.db", "--listen", "fd:0", "--stuck-worker-timeout", "soon"], "--stuck-worker-timeout soon: use a"),
        (["--db", "k.db", "--listen", "fd:0", "--trust-proxy", "10.0.0.1/8"], "--trust-proxy 10.0.0.1/8: not an"),
        (["--db", "k.db", "--listen", "fd:0", "--key-query-param", "a=b"], "--key-query-param a=b: give a plain"),
        (["--db", "k.db", "--listen", "fd:0", "--ip-limit", "lots"], "--ip-limit: "),
        (["--db", "k.db", "--listen", "fd:0", "--ip-table-size", "4"], "--ip-table-size must be 8-16777216"),
        (["--db", "k.db", "--listen", "fd:0", "--counters-capacity", "0"], "--counters-capacity must be 1-16777216"),
        (["--db", "k.db", "--listen", "fd:0", "--max-params-bytes", "10"], "--max-params-bytes must be between"),
        (["--db", "k.db", "--listen", "fd:0", "--workers", "many"], "many"),
    ])
    func aBadCommandLineIsRefusedNamingTheOption(commandLine: [String], mentions: String) {
        let message = Self.refusal(commandLine)
        #expect(message?.contains(mentions) == true, "\(message ?? "resolved")")
    }

    @Test(arguments: [
        ("just words", "/etc/keygate.conf:3: expected `name = value`"),
        ("colour = blue", "/etc/keygate.conf:3: colour = blue: "),
        ("worker = true", "/etc/keygate.conf:3: `worker` cannot be set in a config file"),
        ("explain-only = maybe", "/etc/keygate.conf:3: explain-only takes true or false, not `maybe`"),
        ("drain-timeout = soon", "/etc/keygate.conf:3: --drain-timeout soon: use a duration"),
        ("listen = 192.0.2.1:9000", "/etc/keygate.conf:3: --listen 192.0.2.1:9000: keygate binds only to loopback"),
        ("workers = 100", "/etc/keygate.conf:3: --workers must be 0-64"),
    ])
    func aBadConfigFileLineIsRefusedWithItsLineNumber(line: String, mentions: String) {
        let message = Self.refusal([], file: "db = k.db\nlisten = fd:0\n\(line)\n")
        #expect(message?.hasPrefix(mentions) == true, "\(message ?? "resolved")")
    }

    @Test func anOptionGivenOnTheCommandLineIsNotBlamedOnTheFile() {
        let message = Self.refusal(["--drain-timeout", "soon"], file: "db = k.db\nlisten = fd:0\ndrain-timeout = 5s\n")
        #expect(message == "--drain-timeout soon: use a duration such as 5s, 2min or 1h")
    }

    @Test func metricsListenersAreHTTPLoopbackOrGuardedAndNeedWorkers() throws {
        let base = ["--db", "k.db", "--listen", "unix:/run/k.sock"]
        let on = try Self.resolving(base + ["--metrics-listen", "http://127.0.0.1:9101", "--log-denials"])
        #expect(
            on.metricsListeners.map(\.description) == [
                "http://127.0.0.1:9101?for=nginx&allow=204&client-ip=x-forwarded-for"
            ])
        #expect(on.worker.logDenials)
        #expect(on.worker.listenerLabels == ["unix:/run/k.sock"])
        let fromFile = try Self.resolving(
            base, file: "metrics-listen = http+unix:/run/m.sock\nmetrics-token-file = /t\n")
        #expect(fromFile.metricsListeners.count == 1 && fromFile.worker.metricsTokenFile == "/t")
        #expect(try Self.resolving(base).metricsListeners.isEmpty)
        #expect(
            Self.refusal(base + ["--metrics-listen", "127.0.0.1:9101"])?.contains(
                "give http://127.0.0.1:PORT or http+unix:PATH") == true)
        #expect(
            Self.refusal(base + ["--metrics-listen", "http://10.0.0.5:9101"])?.contains(
                "needs --metrics-token-file") == true)
        #expect(
            try Self.resolving(base + ["--metrics-listen", "http://10.0.0.5:9101", "--metrics-token-file", "/t"])
                .metricsListeners.count == 1)
        #expect(
            Self.refusal(base + ["--metrics-listen", "http://127.0.0.1:9101", "--workers", "0"])?.contains(
                "needs --workers 1 or more") == true)
    }
}
