/// What `keygate serve` does with the counters file at startup, decided from what the database recorded and what
/// is on disk: a file that counted spending must never be silently replaced by an empty one.
public enum CountersFileDecision: Equatable, Sendable {
    /// No file and none recorded (a first start): create one and record its id.
    case create
    /// A file the database has no record of (written before ids were recorded): keep it and record its id.
    case adopt
    /// The file the database recorded: use it as it is.
    case open
    /// The operator asked (`--rebuild-state`): a fresh file, restored from SQLite, its id recorded.
    case rebuild
    /// Starting would grant spent counts again, or the file has another layout: the message says what to do.
    case refuse(String)

    /// The one advice every refusal ends with.
    static let advice =
        "spent credits and rate limits would be granted again. Restore the file, or start once with --rebuild-state, "
        + "which restores counts from the last roll-up (at most 10 s old)"

    /// Decides from the id the database recorded (`nil` if none), the file's state, and whether a rebuild was asked.
    public static func deciding(recorded: UInt64?, file: SharedFileState, rebuild: Bool, path: String) -> Self {
        if rebuild { return .rebuild }
        switch (recorded, file) {
        case (_, .incompatible(let description)):
            return .refuse("\(path): \(description). Move the file away or start with --rebuild-state")
        case (nil, .missing), (nil, .empty): return .create
        case (nil, .present): return .adopt
        case (let recorded?, .present(let fileID)) where fileID == recorded: return .open
        case (let recorded?, .present(let fileID)):
            return .refuse(
                "\(path) is not the counters file this database counted with (file id \(Self.hex(fileID)), expected "
                    + "\(Self.hex(recorded))): \(Self.advice)")
        case (_?, .missing):
            return .refuse("\(path) is missing, but this database counted with a counters file: \(Self.advice)")
        case (_?, .empty):
            return .refuse("\(path) is empty (truncated), but this database counted with it: \(Self.advice)")
        }
    }

    static func hex(_ value: UInt64) -> String { String(value, radix: 16) }
}
