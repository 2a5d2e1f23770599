import Glibc
public import KeygateCore
import KeygatePostgres
import KeygateStore
import KeygateSystem
public import Logging

/// Sends this host's usage totals (its SQLite `usage_daily`, which the supervisor's roll-up fills) to the shared
/// PostgreSQL store (`--keys-from`), for the agent, so that `keygate usage --db postgresql://…` shows every host's.
///
/// Each round reads the totals of the days the ``UsageShipLedger`` names (the last 40 until a round has gone through,
/// then yesterday and today), and stores those not yet sent as they are, as absolute totals under this host's name,
/// which PostgreSQL keeps as the larger value per column. So a round that fails, or whose COMMIT is lost, is simply
/// sent again; a restarted agent or host sends its last 40 days again; nothing is counted twice or lost while the
/// host's SQLite file lives. It runs on a thread of its own (``run(stop:)``) with a connection of its own whose round trips
/// have the mirror's deadline: a stalled PostgreSQL stalls only it, and only that long, never the leases nor the key
/// mirror.
public final class UsageShipper: @unchecked Sendable {
    /// How often a round runs unless told otherwise: the roll-up into SQLite runs every 10 s too.
    public static let defaultIntervalMillis: Int64 = 10_000
    /// The environment variable that sets another interval in milliseconds (for tests; at least 100).
    public static let intervalEnvironmentName = "KEYGATE_USAGE_SHIP_MILLIS"
    /// What `pg_stat_activity` calls the shipper's connection (unless the URL sets `application_name`).
    public static let applicationName = "keygate usage"

    private let url: PostgresURL
    private let databasePath: String
    /// This host's name in the shared store (`--cluster-node`).
    private let host: String
    private let intervalMillis: Int64
    private let logger: Logger
    private var local: KeyStore?
    private var shared: PostgresKeyStore?
    private var ledger = UsageShipLedger()
    private var failing = false
    private var logThrottle = LogThrottle(intervalMillis: 30_000)

    /// A shipper of the totals in the SQLite database at `databasePath` to `url`, as host `host`.
    public init(url: PostgresURL, databasePath: String, host: String, intervalMillis: Int64, logger: Logger) {
        self.url = url
        self.databasePath = databasePath
        self.host = host
        self.intervalMillis = max(intervalMillis, 100)
        self.logger = logger
    }

    /// The interval `environment` (`NAME=value` entries) sets, or ``defaultIntervalMillis``.
    public static func intervalMillis(environment: [String]) -> Int64 {
        let prefix = Self.intervalEnvironmentName + "="
        guard let entry = environment.last(where: { $0.hasPrefix(prefix) }),
            let millis = Int64(entry.dropFirst(prefix.count)), millis > 0
        else { return Self.defaultIntervalMillis }
        return millis
    }

    /// Ships a round at once and then every interval until `stop()` says so (asked every 100 ms between rounds).
    public func run(stop: () -> Bool) {
        while !stop() {
            let started = Clock.monotonicMillis()
            self.ship(nowSeconds: Clock.nowSeconds())
            while !stop() && Clock.monotonicMillis() - started < self.intervalMillis { usleep(100_000) }
        }
    }

    /// One round: reads the totals of the ledger's days and stores those not yet sent. Returns how many were stored,
    /// or `nil` when the round failed (logged, at most one line every 30 s; the next round sends them again).
    @discardableResult
    public func ship(nowSeconds: Int64) -> Int? {
        do {
            let local = try self.local ?? KeyStore(path: self.databasePath, create: false)
            self.local = local
            let unsent = self.ledger.unsent(
                try local.usageTotals(sinceDay: self.ledger.firstDay(nowSeconds: nowSeconds)))
            if !unsent.isEmpty || !self.ledger.caughtUp || self.failing {  // a failed round reconnects, to say so
                let shared =
                    try self.shared
                    ?? PostgresKeyStore(
                        url: self.url, create: false, answerDeadlineMillis: KeyMirror.answerDeadlineMillis,
                        applicationName: Self.applicationName)
                self.shared = shared
                try shared.storeHostTotals(host: self.host, unsent)
            }
            self.ledger.recordStored(unsent, nowSeconds: nowSeconds)
            if self.failing {
                self.failing = false
                self.logger.notice(
                    "usage totals reach PostgreSQL again", metadata: ["url": "\(self.url.redacted)"])
            }
            return unsent.count
        } catch {
            // Reconnect next round; the local file is opened again too, in case it was replaced.
            self.shared = nil
            self.local = nil
            self.failing = true
            if let held = self.logThrottle.allowing(nowMillis: Clock.monotonicMillis()) {
                self.logger.error(
                    "cannot send this host's usage totals to PostgreSQL; will send them in a later round",
                    metadata: [
                        "url": "\(self.url.redacted)", "host": "\(self.host)", "error": "\(error)",
                        "similar_lines_held_back": "\(held)",
                    ])
            }
            return nil
        }
    }
}
