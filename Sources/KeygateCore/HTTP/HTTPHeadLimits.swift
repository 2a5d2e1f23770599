/// Bounds on one request head, checked while it is parsed: a head that breaks one is rejected before it is complete.
public struct HTTPHeadLimits: Sendable, Equatable {
    /// The whole head: leading empty lines, request line, field lines and the final CRLF.
    public var maxHeadBytes: Int
    /// Field lines in one head, known and unknown alike.
    public var maxFieldLines: Int
    /// Bytes of one field name.
    public var maxNameBytes: Int
    /// Bytes of the request target.
    public var maxTargetBytes: Int

    public init(maxHeadBytes: Int = 8192, maxFieldLines: Int = 64, maxNameBytes: Int = 64, maxTargetBytes: Int = 4096) {
        self.maxHeadBytes = maxHeadBytes
        self.maxFieldLines = maxFieldLines
        self.maxNameBytes = maxNameBytes
        self.maxTargetBytes = maxTargetBytes
    }
}
