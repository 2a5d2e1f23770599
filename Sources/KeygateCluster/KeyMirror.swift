import Glibc
import KeygateCore
import KeygatePostgres
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// Keeps this host's SQLite key database in step with the shared PostgreSQL store (`--keys-from`), for the agent.
///
/// It listens for `kg_keys` notifications and, on each one (and every ``backstopMillis`` in case one was missed),
/// reads the changes after the version it last applied and applies them in one SQLite transaction; workers' caches
/// follow through the database's change log. A revocation or a deletion also sets the key's revoked flag in the lease
/// table first (``ClusterLeaseTable/setRevoked(slot:owner:_:)``), so workers deny it before SQLite has the change.
/// Every successful round trip marks the keys fresh; a host cut off from PostgreSQL keeps serving from its file and
/// its health turns unready after `--max-key-staleness`.
///
/// It runs on a thread of its own in the agent (``run(stop:)``): a PostgreSQL that stops answering stalls only the
/// mirror (and so turns the keys stale), never the leases the workers wait for.
public final class KeyMirror: @unchecked Sendable {
    /// A missed notification is caught by a read this often; each read also proves the store reachable.
    public static let backstopMillis: Int64 = 1_000
    /// How often a lost connection is tried again.
    static let reconnectMillis: Int64 = 1_000
    /// Changes read per round trip.
    static let batch = 1_000
    /// The longest one query may take: a connection that stops answering (its backend stopped, its path black-holed)
    /// is given up after this and a new one made, rather than waited on until the kernel gives up (minutes) or for
    /// ever. A read of one batch takes milliseconds.
    public static let answerDeadlineMillis: Int32 = 5_000
    /// What `pg_stat_activity` calls the mirror's connection (unless the URL sets `application_name`).
    public static let applicationName = "keygate mirror"

    private let url: PostgresURL
    private let local: KeyStore
    private let table: ClusterLeaseTable
    private let logger: Logger
    private var shared: PostgresKeyStore?
    private var lastReadMillis: Int64 = 0
    private var lastAttemptMillis: Int64 = -1_000_000
    private var logThrottle = LogThrottle(intervalMillis: 5_000)
    /// Changes applied since the start, for tests and logs.
    public private(set) var applied = 0

    /// A mirror of `url` into the SQLite database at `databasePath`, flags in `table`.
    public init(url: PostgresURL, databasePath: String, table: ClusterLeaseTable, logger: Logger) throws {
        self.url = url
        self.local = try KeyStore(path: databasePath, create: true)
        self.table = table
        self.logger = logger
    }

    /// Connects (if not connected), listens, and applies every change not yet applied: at startup, before any worker
    /// serves, and after a reconnect. Throws what the connection or the read said.
    public func catchUp() throws {
        let nowMillis = Clock.monotonicMillis()
        if self.shared == nil {
            self.lastAttemptMillis = nowMillis
            let store = try PostgresKeyStore(
                url: self.url, create: false, answerDeadlineMillis: Self.answerDeadlineMillis,
                applicationName: Self.applicationName)
            // Listen first, then read: a change committed in between is both notified and read, never neither.
            try store.listen()
            self.shared = store
        }
        guard let shared = self.shared else { return }
        var version = try self.local.mirroredVersion()
        while true {
            let changes = try shared.changes(afterVersion: version, limit: Self.batch)
            self.table.markKeysFresh(nowMicros: Clock.nowMicros())
            guard let last = changes.last else { break }
            self.flagRevocations(changes)
            try self.local.applyMirror(changes, throughVersion: last.version)
            self.applied += changes.count
            version = last.version
            if changes.count < Self.batch { break }
        }
        self.lastReadMillis = nowMillis
    }

    /// Mirrors until `stop()` says so (asked at least every 100 ms while the store answers).
    public func run(stop: () -> Bool) {
        while !stop() {
            if self.shared == nil && Clock.monotonicMillis() - self.lastAttemptMillis < Self.reconnectMillis {
                usleep(50_000)
                continue
            }
            self.poll(waitMillis: 100)
        }
    }

    /// One turn: waits up to `waitMillis` for notifications, reads the changes they announce (or every
    /// ``backstopMillis``), and reconnects a lost connection once a second. Failures are logged, never thrown.
    public func poll(waitMillis: Int32 = 0) {
        let nowMillis = Clock.monotonicMillis()
        do {
            if let shared = self.shared {
                let notified = try shared.keyNotifications(timeoutMillis: waitMillis)
                let nowMillis = Clock.monotonicMillis()
                if !notified.isEmpty || nowMillis - self.lastReadMillis >= Self.backstopMillis { try self.catchUp() }
            } else if nowMillis - self.lastAttemptMillis >= Self.reconnectMillis {
                try self.catchUp()
                self.logger.notice("keys mirrored from PostgreSQL again", metadata: ["url": "\(self.url.redacted)"])
            }
        } catch {
            self.shared = nil  // reconnect (and listen again) on a later turn
            self.lastAttemptMillis = nowMillis
            if let held = self.logThrottle.allowing(nowMillis: nowMillis) {
                self.logger.error(
                    "cannot mirror keys from PostgreSQL; serving the keys last mirrored",
                    metadata: [
                        "url": "\(self.url.redacted)", "error": "\(error)", "similar_lines_held_back": "\(held)",
                    ])
            }
        }
    }

    /// Sets the revoked flag of every key `changes` revokes or deletes, at the slot it has in the local file.
    private func flagRevocations(_ changes: [KeyMirrorChange]) {
        for change in changes {
            let revoked: Bool
            if let key = change.key {
                guard case .text(let status) = key.values[6] else { continue }
                revoked = status == KeyStatus.revoked.rawValue
            } else {
                revoked = true
            }
            guard let local = try? self.local.find(id: change.id), local.slot < self.table.capacity else { continue }
            self.table.setRevoked(slot: local.slot, owner: CounterTable.fingerprint(of: change.id), revoked)
        }
    }
}
