/// One reply in the Redis serialization protocol, version 2 (what Redis speaks until a client sends `HELLO 3`).
public enum RESPValue: Sendable, Equatable {
    /// `+OK`: a status line.
    case simple(String)
    /// `-ERR ...`: an error reply (an outcome of the command, not of the connection).
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$3 foo`; `nil` for the null bulk string `$-1`.
    case bulk([UInt8]?)
    /// `*2 ...`; `nil` for the null array `*-1`.
    case array([RESPValue]?)

    /// The integer of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The text of a simple string or of a (non-null) bulk string, decoded as UTF-8.
    public var text: String? {
        switch self {
        case .simple(let text): text
        case .bulk(.some(let bytes)): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }
}
