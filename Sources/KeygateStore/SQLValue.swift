/// A value to bind to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    /// `.integer(value)`, or `.null` when `value` is `nil`.
    public init(_ value: Int64?) {
        self = value.map { .integer($0) } ?? .null
    }
}
