/// A PostgreSQL call failed, or keygate refused a server or its schema: names the call and carries libpq's message
/// and the SQLSTATE.
///
/// Describes itself as `PQexecParams failed (SQLSTATE 42P01): relation "keys" does not exist`. When keygate itself
/// refuses (no keygate schema, another schema version), ``sqlState`` is `nil` and the description is the message,
/// which says what to run. Never contains a password: URLs in it are redacted and the connection's passwords are
/// masked out of libpq's messages.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The libpq function that failed (`PQconnectdbParams`), or keygate's step (`open`, `init`).
    public let call: String
    /// The five-character SQLSTATE (`28P01`), when the server sent one.
    public let sqlState: String?
    /// libpq's message or keygate's explanation, trimmed.
    public let message: String

    public init(call: String, sqlState: String?, message: String) {
        self.call = call
        self.sqlState = sqlState
        self.message = message
    }

    /// A refusal by keygate itself.
    static func refusal(_ call: String, _ message: String) -> PostgresError {
        PostgresError(call: call, sqlState: nil, message: message)
    }

    public var description: String {
        guard self.call != "open" && self.call != "init" else { return self.message }
        return "\(self.call) failed\(self.sqlState.map { " (SQLSTATE \($0))" } ?? ""): \(self.message)"
    }
}
