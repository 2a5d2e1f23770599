/// What is on disk at the path of a keygate shared file (counters, state), judged against the expected layout.
public enum SharedFileState: Equatable, Sendable {
    case missing
    case empty
    /// A file of another layout or size; the text describes it.
    case incompatible(String)
    /// A file of the expected layout; `fileID` 0 for a file written before files had ids.
    case present(fileID: UInt64)
}
