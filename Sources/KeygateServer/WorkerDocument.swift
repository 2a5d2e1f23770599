import KeygateCore
import KeygateZone
import Logging

/// The one serialized configuration a supervisor hands each worker it spawns: the resolved ``WorkerConfiguration``,
/// the inherited listening descriptors and the readiness pipe.
///
/// The text is a versioned line format, `keygate-worker-configuration 1` then one `name=value` line per field (list
/// fields repeat their line; optional fields are absent when `nil`), values percent-escaped where they hold `%` or
/// control bytes. It travels in the environment variable ``environmentName``: `posix_spawn` passes it atomically,
/// only the same user can read it (`/proc/PID/environ` is mode 0400), and it needs no descriptor of its own. A worker
/// decodes it exactly or refuses to start: an unknown version, an unknown, repeated, missing or malformed field is
/// a ``ConfigurationError`` naming the field, never a value silently dropped or defaulted.
public struct WorkerDocument: Sendable, Equatable {
    /// The environment variable that carries the document to a worker.
    public static let environmentName = "KEYGATE_WORKER_CONFIGURATION"
    /// The first line; a worker refuses any other (a supervisor and worker of different builds).
    public static let versionLine = "keygate-worker-configuration 1"

    public var configuration: WorkerConfiguration
    /// The listening sockets, already open at these descriptors in the worker.
    public var listeners: [ListeningSocket]
    /// The write end of the readiness pipe: the worker writes one byte there once it accepts connections.
    public var readyFD: CInt?
    /// The supervisor's ``MetricsTable``, open at this descriptor, when metrics are on.
    public var metricsFD: CInt?
    /// The slot of that table this process alone counts into (the metrics server has none).
    public var metricsSlot: Int?

    public init(
        configuration: WorkerConfiguration, listeners: [ListeningSocket], readyFD: CInt?, metricsFD: CInt? = nil,
        metricsSlot: Int? = nil
    ) {
        self.configuration = configuration
        self.listeners = listeners
        self.readyFD = readyFD
        self.metricsFD = metricsFD
        self.metricsSlot = metricsSlot
    }

    public static func == (left: Self, right: Self) -> Bool {
        left.configuration == right.configuration && left.readyFD == right.readyFD && left.metricsFD == right.metricsFD
            && left.metricsSlot == right.metricsSlot
            && left.listeners.map(\.workerToken) == right.listeners.map(\.workerToken)
    }

    /// Each field's name and whether it may repeat, in the order ``encoded`` writes them.
    static let fields: [(name: String, repeats: Bool)] = [
        ("database", false), ("last-used", false), ("last-used-capacity", false), ("counters", false),
        ("counters-capacity", false), ("counters-file-id", false), ("ip-table", false), ("ip-table-capacity", false),
        ("key-query-param", false), ("trust-proxy", true), ("realm", false), ("identity-headers", false),
        ("keyless-ip-limit", false), ("global-ip-limit", false), ("explain-only", false),
        ("max-params-bytes", false), ("max-param-count", false), ("fastcgi-max-connections", false),
        ("fastcgi-max-requests", false), ("http-max-head-bytes", false), ("http-max-field-lines", false),
        ("http-max-name-bytes", false), ("http-max-target-bytes", false), ("max-connections", false),
        ("idle-timeout-ms", false), ("request-timeout-ms", false), ("drain-timeout-ms", false), ("log-level", false),
        ("log-format", false), ("log-denials", false), ("listener-label", true), ("metrics-token-file", false),
        ("limits-from", false), ("cluster-node", false), ("cluster-max-nodes", false), ("keys-from", false),
        ("max-key-staleness-ms", false), ("strict-key-staleness", false), ("admin-listen", false),
        ("admin-key-limit", false), ("admin-nice", false),
        ("listener", true),
        ("ready-fd", false), ("metrics-fd", false), ("metrics-slot", false),
    ]

    /// The document as text, ready for ``environmentName``.
    public var encoded: String {
        let configuration = self.configuration
        let policy = configuration.policy
        var lines: [(String, String?)] = [
            ("database", configuration.databasePath), ("last-used", configuration.lastUsedPath),
            ("last-used-capacity", "\(configuration.lastUsedCapacity)"), ("counters", configuration.countersPath),
            ("counters-capacity", "\(configuration.countersCapacity)"),
            ("counters-file-id", configuration.countersFileID.map { String($0, radix: 16) }),
            ("ip-table", configuration.ipTablePath), ("ip-table-capacity", "\(configuration.ipTableCapacity)"),
            ("key-query-param", policy.queryParameter),
        ]
        lines += policy.trustedProxies.map { ("trust-proxy", $0.description) }
        lines += [
            ("realm", policy.realm), ("identity-headers", "\(policy.identityHeaders)"),
            ("keyless-ip-limit", policy.keylessIPLimit.map(Self.text(of:))),
            ("global-ip-limit", policy.globalIPLimit.map(Self.text(of:))), ("explain-only", "\(policy.explainOnly)"),
            ("max-params-bytes", "\(configuration.limits.maxParamsBytes)"),
            ("max-param-count", "\(configuration.limits.maxParamCount)"),
            ("fastcgi-max-connections", "\(configuration.limits.maxConnections)"),
            ("fastcgi-max-requests", "\(configuration.limits.maxRequests)"),
            ("http-max-head-bytes", "\(configuration.httpLimits.maxHeadBytes)"),
            ("http-max-field-lines", "\(configuration.httpLimits.maxFieldLines)"),
            ("http-max-name-bytes", "\(configuration.httpLimits.maxNameBytes)"),
            ("http-max-target-bytes", "\(configuration.httpLimits.maxTargetBytes)"),
            ("max-connections", "\(configuration.maxConnections)"),
            ("idle-timeout-ms", "\(configuration.idleTimeoutMillis)"),
            ("request-timeout-ms", "\(configuration.requestTimeoutMillis)"),
            ("drain-timeout-ms", "\(configuration.drainTimeoutMillis)"), ("log-level", configuration.logLevel.rawValue),
            ("log-format", configuration.logFormat.rawValue), ("log-denials", "\(configuration.logDenials)"),
        ]
        lines += configuration.listenerLabels.map { ("listener-label", $0) }
        lines.append(("metrics-token-file", configuration.metricsTokenFile))
        lines.append(("limits-from", configuration.limitsFrom))
        lines.append(("cluster-node", configuration.clusterNode))
        lines.append(("cluster-max-nodes", "\(configuration.clusterMaxNodes)"))
        lines.append(("keys-from", configuration.keysFrom))
        lines.append(("max-key-staleness-ms", "\(configuration.maxKeyStalenessMillis)"))
        lines.append(("strict-key-staleness", "\(configuration.strictKeyStaleness)"))
        lines.append(("admin-listen", configuration.adminListen))
        lines.append(("admin-key-limit", configuration.adminKeyLimit))
        lines.append(("admin-nice", "\(configuration.adminNice)"))
        lines += self.listeners.map { ("listener", $0.workerToken) }
        lines.append(("ready-fd", self.readyFD.map { "\($0)" }))
        lines.append(("metrics-fd", self.metricsFD.map { "\($0)" }))
        lines.append(("metrics-slot", self.metricsSlot.map { "\($0)" }))
        return ([Self.versionLine] + lines.compactMap { name, value in value.map { "\(name)=\(Self.escaping($0))" } })
            .joined(separator: "\n") + "\n"
    }

    /// Reads a document written by ``encoded``, or throws a ``ConfigurationError`` naming the field at fault.
    /// A document without listeners is refused unless `expectingListeners` is off (the cluster agent serves none).
    public init(decoding text: String, expectingListeners: Bool = true) throws(ConfigurationError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first == Self.versionLine else {
            let found = lines.first.map { "`\($0.prefix(60))`" } ?? "nothing"
            throw ConfigurationError(
                "worker configuration: the first line is \(found), not `\(Self.versionLine)` "
                    + "(a corrupt document, or a supervisor of another keygate build: restart keygate)")
        }
        var fields = WorkerDocumentFields()
        for (index, line) in lines.dropFirst().enumerated() {
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("worker configuration: line \(index + 2) is not `name=value`")
            }
            let name = String(line[..<equals])
            guard let known = Self.fields.first(where: { $0.name == name }) else {
                throw ConfigurationError("worker configuration: unknown field `\(name.prefix(60))`")
            }
            guard let value = Self.unescaping(line[line.index(after: equals)...]) else {
                throw ConfigurationError("worker configuration: field `\(name)`: bad percent-escape")
            }
            if !known.repeats && fields.values[name] != nil {
                throw ConfigurationError("worker configuration: field `\(name)` appears twice")
            }
            fields.values[name, default: []].append(value)
        }
        var policy = GatePolicy(
            queryParameter: fields.optional("key-query-param"),
            trustedProxies: try fields.all("trust-proxy").map { text throws(ConfigurationError) -> CIDR in
                guard let network = CIDR(text) else { throw fields.malformed("trust-proxy", text) }
                return network
            },
            realm: try fields.required("realm"), identityHeaders: try fields.bool("identity-headers"),
            keylessIPLimit: try fields.optional("keyless-ip-limit").map {
                text throws(ConfigurationError) -> RateLimitPolicy in
                try fields.rateLimit("keyless-ip-limit", text)
            },
            globalIPLimit: try fields.optional("global-ip-limit").map {
                text throws(ConfigurationError) -> RateLimitPolicy in
                try fields.rateLimit("global-ip-limit", text)
            })
        policy.explainOnly = try fields.bool("explain-only")
        var configuration = WorkerConfiguration(
            databasePath: try fields.required("database"), lastUsedPath: fields.optional("last-used"),
            lastUsedCapacity: try fields.int("last-used-capacity"), countersPath: fields.optional("counters"),
            countersCapacity: try fields.int("counters-capacity"), policy: policy,
            limits: FastCGILimits(
                maxParamsBytes: try fields.int("max-params-bytes"), maxParamCount: try fields.int("max-param-count"),
                maxConnections: try fields.int("fastcgi-max-connections"),
                maxRequests: try fields.int("fastcgi-max-requests")),
            maxConnections: try fields.int("max-connections"),
            idleTimeoutMillis: Int64(try fields.int("idle-timeout-ms")),
            requestTimeoutMillis: Int64(try fields.int("request-timeout-ms")),
            drainTimeoutMillis: Int64(try fields.int("drain-timeout-ms")))
        configuration.countersFileID = try fields.optional("counters-file-id").map {
            text throws(ConfigurationError) -> UInt64 in
            guard let id = UInt64(text, radix: 16) else { throw fields.malformed("counters-file-id", text) }
            return id
        }
        configuration.ipTablePath = fields.optional("ip-table")
        configuration.ipTableCapacity = try fields.int("ip-table-capacity")
        configuration.httpLimits = HTTPHeadLimits(
            maxHeadBytes: try fields.int("http-max-head-bytes"), maxFieldLines: try fields.int("http-max-field-lines"),
            maxNameBytes: try fields.int("http-max-name-bytes"), maxTargetBytes: try fields.int("http-max-target-bytes")
        )
        let level = try fields.required("log-level")
        guard let logLevel = Logger.Level(rawValue: level) else { throw fields.malformed("log-level", level) }
        configuration.logLevel = logLevel
        let format = try fields.required("log-format")
        guard let logFormat = LogFormat(rawValue: format) else { throw fields.malformed("log-format", format) }
        configuration.logFormat = logFormat
        configuration.logDenials = try fields.bool("log-denials")
        configuration.listenerLabels = fields.all("listener-label")
        configuration.metricsTokenFile = fields.optional("metrics-token-file")
        configuration.limitsFrom = fields.optional("limits-from")
        configuration.clusterNode = fields.optional("cluster-node") ?? ""
        configuration.clusterMaxNodes = try fields.int("cluster-max-nodes")
        configuration.keysFrom = fields.optional("keys-from")
        configuration.maxKeyStalenessMillis = Int64(try fields.int("max-key-staleness-ms"))
        configuration.strictKeyStaleness = try fields.bool("strict-key-staleness")
        configuration.adminListen = fields.optional("admin-listen")
        configuration.adminKeyLimit = fields.optional("admin-key-limit")
        configuration.adminNice = try fields.int("admin-nice")
        self.configuration = configuration
        self.listeners = try fields.all("listener").map { token throws(ConfigurationError) -> ListeningSocket in
            guard let socket = ListeningSocket.fromWorkerToken(Substring(token)) else {
                throw fields.malformed("listener", token)
            }
            return socket
        }
        guard !self.listeners.isEmpty || !expectingListeners else {
            throw ConfigurationError("worker configuration: no `listener` field")
        }
        self.readyFD = try fields.optional("ready-fd").map { text throws(ConfigurationError) -> CInt in
            guard let fd = CInt(text), fd >= 0 else { throw fields.malformed("ready-fd", text) }
            return fd
        }
        self.metricsFD = try fields.optional("metrics-fd").map { text throws(ConfigurationError) -> CInt in
            guard let fd = CInt(text), fd >= 0 else { throw fields.malformed("metrics-fd", text) }
            return fd
        }
        self.metricsSlot = try fields.optional("metrics-slot").map { text throws(ConfigurationError) -> Int in
            guard let slot = Int(text), slot >= 0, slot < MetricsTable.defaultCapacity else {
                throw fields.malformed("metrics-slot", text)
            }
            return slot
        }
    }

    /// A rate limit as `limit,periodMicros,burst,name`: its exact numbers, whatever spec it was parsed from.
    static func text(of limit: RateLimitPolicy) -> String {
        "\(limit.limit),\(limit.periodMicros),\(limit.burst),\(limit.name)"
    }

    /// `value` with `%`, control bytes and DEL written as `%XX`, so that every value fits on one line.
    static func escaping(_ value: String) -> String {
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            if byte == UInt8(ascii: "%") || byte < 0x20 || byte == 0x7F {
                let hex = Array("0123456789ABCDEF".utf8)
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value `escaping` wrote; `nil` for a `%` not followed by two hex digits.
    static func unescaping(_ text: Substring) -> String? {
        PercentEscapes.decoded(text).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The values of a document's fields by name, read off one by one with errors that name the field.
struct WorkerDocumentFields {
    var values: [String: [String]] = [:]

    func malformed(_ name: String, _ value: String) -> ConfigurationError {
        ConfigurationError("worker configuration: field `\(name)`: cannot read `\(value.prefix(80))`")
    }

    func optional(_ name: String) -> String? { self.values[name]?.first }

    func all(_ name: String) -> [String] { self.values[name] ?? [] }

    func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = self.values[name]?.first else {
            throw ConfigurationError("worker configuration: field `\(name)` is missing")
        }
        return value
    }

    func int(_ name: String) throws(ConfigurationError) -> Int {
        let text = try self.required(name)
        guard let value = Int(text) else { throw self.malformed(name, text) }
        return value
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool {
        switch try self.required(name) {
        case "true": return true
        case "false": return false
        case let text: throw self.malformed(name, text)
        }
    }

    func rateLimit(_ name: String, _ text: String) throws(ConfigurationError) -> RateLimitPolicy {
        let parts = text.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let limit = Int64(parts[0]), let period = Int64(parts[1]), let burst = Int64(parts[2])
        else { throw self.malformed(name, text) }
        return RateLimitPolicy(limit: limit, periodMicros: period, burst: burst, name: String(parts[3]))
    }
}
