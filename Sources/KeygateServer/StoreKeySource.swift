import KeygateCore
import KeygateStore
import Logging

/// The key source of a worker: the SQLite key store at a path, read through ``KeygateStore/KeyLookup``, with the
/// `key_changes` log telling which keys changed and the WAL-index header as the cheap per-request commit detector.
///
/// Whenever SQLite's `data_version` says another connection committed, the change log says which keys and secrets
/// changed, so keygate's own bookkeeping commits (usage, last-used roll-ups) change nothing. A different file moved to
/// the path is reopened once its header shows a complete database. Not thread-safe: one per gate.
public final class StoreKeySource: KeySource {
    private let databasePath: String
    /// `nil` only after a replaced database file passed its header check but then failed to open (retried each second).
    private var lookup: KeyLookup?
    /// The file `lookup` reads; a different file at `databasePath` (a restore by `mv`) is reopened.
    private var databaseFile: DatabaseFileCheck?
    private var reopenLog = LogThrottle(intervalMillis: 10_000)
    private let logger: Logger
    private var seenDataVersion: Int64 = -1
    /// The place in the key change log up to which changes were reported.
    private var changePosition: KeyChanges.Position
    /// Cheap per-request commit detector; `nil` falls back to `PRAGMA data_version` on every request.
    public private(set) var commitWatch: WALChangeWatch?

    /// Opens the database at `databasePath` read-only, starting at the end of its change log.
    public init(databasePath: String, logger: Logger) throws {
        self.databasePath = databasePath
        self.logger = logger
        self.databaseFile = DatabaseFileCheck(path: databasePath)
        let lookup = try KeyLookup(path: databasePath)
        _ = try lookup.dataVersion()  // opens the WAL index, creating the -shm file if needed
        self.changePosition = try lookup.changePosition()
        self.lookup = lookup
        self.commitWatch = WALChangeWatch(databasePath: databasePath)
    }

    public func find(digest: KeyDigest) throws -> SecretMatch? {
        try self.openLookup().find(digest: digest)
    }

    /// The keys and secrets changed since the previous call, from the change log when `data_version` moved.
    ///
    /// The path is looked at (one `stat`) at the backstop and at every commit: a commit may be a write to another file
    /// moved to the path (a restore by `mv`), whose pages go to the `-wal` this file shares; read as this file's, they
    /// are a malformed database or, worse, wrong keys. So a commit to a replacement switches to it before anything is
    /// read.
    public func changes(nowMillis: Int64, backstop: Bool) throws -> KeySourceChanges {
        var reopened = (backstop || self.lookup == nil) && self.reopenIfReplaced(now: nowMillis)
        var lookup = try self.openLookup()
        var version = try lookup.dataVersion()
        guard version != self.seenDataVersion else { return reopened ? .reopened : .none }
        if !reopened && self.reopenIfReplaced(now: nowMillis) {
            reopened = true
            lookup = try self.openLookup()
            version = try lookup.dataVersion()
        }
        let changes = try lookup.keyChanges(after: self.changePosition)
        self.seenDataVersion = version
        self.changePosition = changes.position
        if reopened { return .reopened }
        if changes.dropsEverything { return .everything }
        return changes.keyIDs.isEmpty && changes.digests.isEmpty
            ? .none : .keys(ids: changes.keyIDs, digests: changes.digests)
    }

    /// The open lookup, or the error of a reopen that failed (every request is then answered 500).
    private func openLookup() throws(StoreError) -> KeyLookup {
        guard let lookup = self.lookup else {
            throw StoreError(
                call: "open", code: nil, extendedCode: nil,
                message: "\(self.databasePath): reopening after replacement failed")
        }
        return lookup
    }

    /// Switches to the file now at the database path when it is another file than the one open (a restore by `mv`),
    /// once its header shows a complete database at this schema; until then the old file keeps answering. Returns true
    /// if it switched.
    ///
    /// The old connection is closed before the new one opens: both share the path's `-wal` and `-shm`, and closing a
    /// connection's `-shm` descriptor drops every POSIX lock this process holds on that file, the new one's included.
    private func reopenIfReplaced(now: Int64) -> Bool {
        guard let current = DatabaseFileCheck(path: self.databasePath) else { return false }  // mid-rename: look later
        if self.databaseFile == current, self.lookup != nil { return false }
        if let problem = DatabaseFileCheck.problem(path: self.databasePath) {
            self.warnReopen(
                now: now, "database file replaced, but the new one is not usable yet; answering from the old one",
                problem)
            return false
        }
        self.lookup = nil
        self.commitWatch = nil
        do {
            let lookup = try KeyLookup(path: self.databasePath)
            _ = try lookup.dataVersion()
            self.changePosition = try lookup.changePosition()
            self.lookup = lookup
        } catch {
            self.warnReopen(
                now: now, "database file replaced, but opening the new one failed; answering 500", "\(error)")
            return false
        }
        self.commitWatch = WALChangeWatch(databasePath: self.databasePath)
        self.databaseFile = current
        self.seenDataVersion = -1
        self.logger.info(
            "database file replaced; reopened it",
            metadata: ["path": "\(self.databasePath)", "inode": "\(current.inode)"])
        return true
    }

    /// A warning about a replacement that cannot be used, at most once every 10 s.
    private func warnReopen(now: Int64, _ message: Logger.Message, _ problem: String) {
        guard self.reopenLog.allowing(nowMillis: now) != nil else { return }
        self.logger.warning(message, metadata: ["path": "\(self.databasePath)", "problem": "\(problem)"])
    }
}
