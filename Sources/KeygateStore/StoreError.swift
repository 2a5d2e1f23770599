import CKeygateSQLite

/// A database call failed, or keygate refused a database: names the call, SQLite's result codes and the SQL.
///
/// Describes itself as `sqlite3_prepare_v3 failed (SQLITE_ERROR 1): no such table: keys [SELECT …]`. When keygate
/// itself refuses a file (no database there, a schema version it does not know), ``code`` is `nil` and the
/// description is just the message, which says what to do.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// The C function that failed (`sqlite3_step`), or keygate's step (`open`, `migrate`) when ``code`` is `nil`.
    public let call: String
    /// SQLite's primary result code (`SQLITE_BUSY`), or `nil` when keygate refused on its own.
    public let code: Int32?
    /// SQLite's extended result code (`SQLITE_BUSY_SNAPSHOT`), or `nil` when keygate refused on its own.
    public let extendedCode: Int32?
    /// `sqlite3_errmsg` or keygate's explanation. Never contains a secret.
    public let message: String
    /// The statement being prepared or run, if any.
    public let sql: String?

    public init(call: String, code: Int32?, extendedCode: Int32?, message: String, sql: String? = nil) {
        self.call = call
        self.code = code
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// A refusal by keygate itself, with no SQLite result code.
    static func refusal(_ call: String, _ message: String) -> StoreError {
        StoreError(call: call, code: nil, extendedCode: nil, message: message)
    }

    public var description: String {
        var text: String
        if let code = self.code {
            text = "\(self.call) failed (\(Self.name(ofResultCode: code)) \(code)): \(self.message)"
        } else {
            text = self.message
        }
        if let sql = self.sql {
            text += " [\(sql)]"
        }
        return text
    }

    /// The C name of a primary result code, e.g. `SQLITE_CONSTRAINT` for 19.
    public static func name(ofResultCode code: Int32) -> String {
        switch code & 0xFF {
        case SQLITE_OK: "SQLITE_OK"
        case SQLITE_ERROR: "SQLITE_ERROR"
        case SQLITE_INTERNAL: "SQLITE_INTERNAL"
        case SQLITE_PERM: "SQLITE_PERM"
        case SQLITE_ABORT: "SQLITE_ABORT"
        case SQLITE_BUSY: "SQLITE_BUSY"
        case SQLITE_LOCKED: "SQLITE_LOCKED"
        case SQLITE_NOMEM: "SQLITE_NOMEM"
        case SQLITE_READONLY: "SQLITE_READONLY"
        case SQLITE_INTERRUPT: "SQLITE_INTERRUPT"
        case SQLITE_IOERR: "SQLITE_IOERR"
        case SQLITE_CORRUPT: "SQLITE_CORRUPT"
        case SQLITE_NOTFOUND: "SQLITE_NOTFOUND"
        case SQLITE_FULL: "SQLITE_FULL"
        case SQLITE_CANTOPEN: "SQLITE_CANTOPEN"
        case SQLITE_PROTOCOL: "SQLITE_PROTOCOL"
        case SQLITE_EMPTY: "SQLITE_EMPTY"
        case SQLITE_SCHEMA: "SQLITE_SCHEMA"
        case SQLITE_TOOBIG: "SQLITE_TOOBIG"
        case SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT"
        case SQLITE_MISMATCH: "SQLITE_MISMATCH"
        case SQLITE_MISUSE: "SQLITE_MISUSE"
        case SQLITE_NOLFS: "SQLITE_NOLFS"
        case SQLITE_AUTH: "SQLITE_AUTH"
        case SQLITE_FORMAT: "SQLITE_FORMAT"
        case SQLITE_RANGE: "SQLITE_RANGE"
        case SQLITE_NOTADB: "SQLITE_NOTADB"
        case SQLITE_NOTICE: "SQLITE_NOTICE"
        case SQLITE_WARNING: "SQLITE_WARNING"
        case SQLITE_ROW: "SQLITE_ROW"
        case SQLITE_DONE: "SQLITE_DONE"
        default: "SQLITE_UNKNOWN"
        }
    }
}
