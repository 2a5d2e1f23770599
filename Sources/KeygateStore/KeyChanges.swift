public import KeygateCore

/// What changed in the keys since a worker last looked, read from the `key_changes` log (schema version 4).
///
/// A worker drops the cached entries of ``keyIDs`` and of ``digests`` (a new or removed secret, which may turn a
/// cached "unknown" into a key), or everything when ``dropsEverything`` is set: the log was pruned past what the
/// worker saw, is another file's log (a restore from another database), went backwards (a restore from an older
/// copy), or holds more rows than are worth reading one by one.
public struct KeyChanges: Sendable, Equatable {
    /// How many of the latest rows the log keeps (older ones are deleted by a trigger).
    public static let retainedRows: Int64 = 10_000
    /// The most rows read one by one; behind by more, a worker drops its whole cache instead.
    public static let mostRowsRead: Int64 = 1_000
    /// `keygate_state` name of the log's random id, set when the log is created.
    static let logIDName = "key_changes_log_id"

    /// A place in one database's change log.
    public struct Position: Sendable, Equatable {
        /// The log's random id: a database restored from another file has another one.
        public var logID: Int64
        /// The last row seen (0 for none).
        public var sequence: Int64

        public init(logID: Int64, sequence: Int64) {
            self.logID = logID
            self.sequence = sequence
        }
    }

    /// Where these changes end: pass it as `after` next time.
    public var position: Position
    /// The ids of the keys that changed.
    public var keyIDs: Set<String>
    /// The digests of secrets added, changed or removed.
    public var digests: [KeyDigest]
    /// True when the rows since `after` cannot be read one by one: every cached entry may be stale.
    public var dropsEverything: Bool

    public init(
        position: Position, keyIDs: Set<String> = [], digests: [KeyDigest] = [], dropsEverything: Bool = false
    ) {
        self.position = position
        self.keyIDs = keyIDs
        self.digests = digests
        self.dropsEverything = dropsEverything
    }

    /// Whether nothing changed (a commit of keygate's own bookkeeping).
    public var isEmpty: Bool { self.keyIDs.isEmpty && self.digests.isEmpty && !self.dropsEverything }
}
