/// A value to bind to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    /// A 64-bit signed integer.
    case integer(Int64)
    /// UTF-8 text, copied by SQLite when bound.
    case text(String)
    /// Bytes, copied by SQLite when bound; an empty array is an empty blob, not NULL.
    case blob([UInt8])
    /// SQL NULL.
    case null

    /// `.integer(value)`, or `.null` when `value` is `nil`.
    public init(_ value: Int64?) {
        self = value.map { .integer($0) } ?? .null
    }
}
