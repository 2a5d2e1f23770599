import KeygateCore
import Logging

/// Everything a worker process needs, resolved and validated by `keygate serve` before any worker starts.
public struct WorkerConfiguration: Sendable, Equatable {
    public var databasePath: String
    /// The shared last-used table; `nil` disables last-used tracking.
    public var lastUsedPath: String?
    public var lastUsedCapacity: Int
    /// The shared rate-limit counters file; `nil` disables limits (keys that have some are then refused).
    public var countersPath: String?
    public var countersCapacity: Int
    /// The id of the counters file checked at startup: a worker opens only that file, never creating one.
    /// `nil` opens or creates whatever is at the path (tools and tests).
    public var countersFileID: UInt64?
    /// The per-IP table, when `policy` has a per-IP limit.
    public var ipTablePath: String?
    public var ipTableCapacity: Int = 65_536
    public var policy: GatePolicy
    public var limits: FastCGILimits
    /// Bounds on an HTTP request head.
    public var httpLimits = HTTPHeadLimits()
    /// Connections one worker holds at once; at the cap, idle kept-alive ones are closed to make room for a new one,
    /// and with none idle it stops accepting until some close or become idle (others take them).
    public var maxConnections: Int
    /// A kept-alive connection with no request in progress is closed after this long.
    public var idleTimeoutMillis: Int64
    /// A request must be whole this long after its first byte, however steadily it trickles; a new connection must
    /// send within it, and unsent output must make progress within it. A slow peer is closed.
    public var requestTimeoutMillis: Int64
    /// On SIGTERM, in-flight requests get this long to finish.
    public var drainTimeoutMillis: Int64
    /// The least severe log level written.
    public var logLevel: Logger.Level = .info
    /// `--log-format`: text lines or one JSON object per line.
    public var logFormat: LogFormat = .text
    /// `--log-denials`: log every denial at info level (rate-limited like every repeated line), not only at debug.
    public var logDenials = false
    /// How each request listener is named in metrics labels (its `--listen` address), in listener order.
    public var listenerLabels: [String] = []
    /// `--metrics-token-file`: `/metrics` answers only requests carrying this file's token as a bearer token.
    public var metricsTokenFile: String?
    /// `--limits-from`: the Redis that keys' limits are shared through with other hosts (`redis://HOST:PORT`);
    /// `nil` keeps them on this host.
    public var limitsFrom: String?
    /// `--cluster-node`: this host's name among the hosts sharing limits.
    public var clusterNode = ""
    /// `--cluster-max-nodes`: the most hosts sharing limits; in an outage each admits this share of a rate limit.
    public var clusterMaxNodes = 4

    /// `--keys-from`: the PostgreSQL key store this host's SQLite file mirrors; `nil`: keys are managed here.
    public var keysFrom: String?
    /// `--max-key-staleness`: keys not refreshed from `keysFrom` for this long make the host unready (and, with
    /// ``strictKeyStaleness``, refuse every key).
    public var maxKeyStalenessMillis: Int64 = 30_000
    public var strictKeyStaleness = false
    /// `--admin-listen`: where the admin API answers (`http://127.0.0.1:PORT` or `http+unix:PATH`); `nil`: off.
    public var adminListen: String?
    /// `--admin-key-limit`: each admin key's limit on the admin API (a rate limit spec); `nil`: the default.
    public var adminKeyLimit: String?
    /// `--admin-nice`: how many nice steps the admin server lowers its CPU priority by when it starts.
    public var adminNice = 10

    /// The shared lease table between the workers and the host's agent (limits shared with other hosts, revoked
    /// flags of mirrored keys), next to the counters file.
    public var clusterLeasesPath: String? {
        guard self.limitsFrom != nil || self.keysFrom != nil, let counters = self.countersPath else { return nil }
        return counters + ".leases"
    }

    public init(
        databasePath: String, lastUsedPath: String? = nil, lastUsedCapacity: Int = 65_536, countersPath: String? = nil,
        countersCapacity: Int = 65_536,
        policy: GatePolicy = GatePolicy(), limits: FastCGILimits = FastCGILimits(), maxConnections: Int = 1024,
        idleTimeoutMillis: Int64 = 75_000, requestTimeoutMillis: Int64 = 5_000, drainTimeoutMillis: Int64 = 10_000
    ) {
        self.databasePath = databasePath
        self.lastUsedPath = lastUsedPath
        self.lastUsedCapacity = lastUsedCapacity
        self.countersPath = countersPath
        self.countersCapacity = countersCapacity
        self.policy = policy
        self.limits = limits
        self.maxConnections = maxConnections
        self.idleTimeoutMillis = idleTimeoutMillis
        self.requestTimeoutMillis = requestTimeoutMillis
        self.drainTimeoutMillis = drainTimeoutMillis
    }
}
