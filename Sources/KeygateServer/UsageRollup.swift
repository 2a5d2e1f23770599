import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// Moves request counts from the shared counters file into SQLite's `usage_daily`, and last-used times from the
/// shared state file into `keys.last_used_at`, one process at a time.
///
/// The lock is an `flock` on `<counters>.rollup` (or `<state>.rollup` without counters), taken without waiting: under keygate's supervisor only it rolls up,
/// but under mod_fcgid (independent processes, no supervisor) whichever copy gets the lock does, and the others skip.
/// What was already stored is marked in the counters file itself, so no count is stored twice or lost.
public struct UsageRollup {
    let databasePath: String
    let counters: CounterTable?
    let logger: Logger
    /// Last-used times to flush, with this process's view of what it already sent.
    let lastUsed: LastUsedTable?
    private let lastUsedSent: LastUsedSnapshot?
    private let lockPath: String
    /// Whether the unusable lock was already reported: one warning per process, not one per roll-up.
    private let lockWarned = Flag()

    /// A mutable boolean shared by copies of this struct.
    final class Flag {
        var value = false
    }

    /// What this process already wrote of the last-used table (writes take the max, so overlap between processes is harmless).
    final class LastUsedSnapshot {
        var values: [Int64]
        init(capacity: Int) { self.values = [Int64](repeating: 0, count: capacity) }
    }

    /// `nil` when there is nothing to roll up (neither counters nor last-used times are kept).
    public init?(databasePath: String, counters: CounterTable?, logger: Logger, lastUsed: LastUsedTable? = nil) {
        guard let anchor = counters?.mapping.path ?? lastUsed?.mapping.path else { return nil }
        self.lockPath = anchor + ".rollup"
        self.databasePath = databasePath
        self.counters = counters
        self.logger = logger
        self.lastUsed = lastUsed
        self.lastUsedSent = lastUsed.map { LastUsedSnapshot(capacity: $0.capacity) }
    }

    /// What one ``run(nowSeconds:)`` did.
    public enum Result: Sendable, Equatable {
        /// Pending counts (if any) are stored.
        case rolledUp
        /// Another process holds the roll-up lock (or it cannot be opened): nothing was done.
        case skipped
        /// The database could not be written; the counts stay pending for the next run.
        case failed
    }

    /// Rolls up pending counts into today's rows (UTC).
    @discardableResult
    public func run(nowSeconds: Int64) -> Result {
        let lockPath = self.lockPath
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = Errno.current
            if !self.lockWarned.value {
                self.lockWarned.value = true
                let warning = OptionalFileWarning(
                    path: lockPath, error: SystemCallError(call: "open", errno: code),
                    consequence: "this process does not roll up usage or last-used times", disablingOption: nil)
                self.logger.warning("\(warning)")
            }
            return .skipped
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return .skipped }
        defer { flock(fd, LOCK_UN) }
        self.flushLastUsed()
        // A lost file reads as zeros: its counts are not counts (admitted - done would wrap), so nothing is stored.
        guard let counters = self.counters, !counters.mapping.isLost else { return .rolledUp }
        let pending = counters.pendingUsage()
        // Each moved slot's policy words too: what a rebuilt file restores (so a lost file re-grants at most 10 s).
        let snapshots = pending.compactMap { row in
            counters.policySnapshot(slot: row.slot).map {
                CounterSnapshot(slot: row.slot, owner: $0.owner, words: $0.words, savedAtSeconds: nowSeconds)
            }
        }
        guard !pending.isEmpty, !counters.mapping.isLost else { return .rolledUp }
        let day = String(Timestamp.iso8601(nowSeconds).prefix(10))
        do {
            let store = try KeyStore(path: self.databasePath, create: false)
            var rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)] = []
            for row in pending {
                guard let keyID = try store.keyID(forSlot: row.slot) else { continue }
                rows.append(
                    (keyID, day, Int64(truncatingIfNeeded: row.newAdmitted), Int64(truncatingIfNeeded: row.newRejected))
                )
            }
            try store.recordRollUp(usage: rows, snapshots: snapshots.filter { $0.owner != 0 })
            for row in pending { counters.markRolledUp(slot: row.slot, admitted: row.admitted, rejected: row.rejected) }
        } catch {
            self.logger.warning("could not roll up usage; will retry", metadata: ["error": "\(error)"])
            return .failed
        }
        return .rolledUp
    }

    private func flushLastUsed() {
        guard let table = self.lastUsed, let sent = self.lastUsedSent, !table.mapping.isLost else { return }
        var previous = sent.values
        let changes = table.changes(since: &previous).filter { $0.seconds > 0 }
        guard !changes.isEmpty else { return }
        do {
            try KeyStore(path: self.databasePath, create: false).recordLastUsed(changes)
            sent.values = previous
        } catch {
            self.logger.warning("could not record last-used times; will retry", metadata: ["error": "\(error)"])
        }
    }
}
