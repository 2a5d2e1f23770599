import CKeygateSQLite

/// One prepared SQLite statement (`sqlite3_stmt *`), finalized when the value goes away.
///
/// Noncopyable, so exactly one owner finalizes it. It keeps its connection's handle for error messages and must not
/// outlive its ``Connection`` in use; the connection is closed with `sqlite3_close_v2`, so finalizing after the
/// connection object is gone is still safe. Parameters and columns are numbered as in SQLite: parameters from 1,
/// columns from 0. Use from one thread at a time, like its connection.
public struct Statement: ~Copyable {
    /// The `sqlite3_stmt *`; owned.
    let handle: OpaquePointer
    /// The `sqlite3 *` it was prepared on; borrowed.
    let database: OpaquePointer
    /// The SQL text, for errors.
    public let sql: String

    init(handle: OpaquePointer, database: OpaquePointer, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(self.handle)
    }

    /// Binds `value` to parameter `index` (from 1). The corresponding C functions are `sqlite3_bind_*`.
    public func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let result: Int32
        switch value {
        case .integer(let integer):
            result = sqlite3_bind_int64(self.handle, index, integer)
        case .text(let text):
            result = self.bind(text: text, at: index)
        case .blob(let bytes):
            result = bytes.withUnsafeBytes { self.bindTransient(blob: $0, at: index) }
        case .null:
            result = sqlite3_bind_null(self.handle, index)
        }
        guard result == SQLITE_OK else { throw self.error(call: "sqlite3_bind", code: result) }
    }

    /// Binds `values` to parameters 1, 2, …
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            try self.bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds `blob` without copying (`SQLITE_STATIC`).
    ///
    /// The caller keeps `blob` alive and unchanged until it rebinds the parameter or calls ``reset()``, which clears
    /// the bindings; in practice, bind, step and reset inside one `withUnsafeBytes`.
    public func bindBorrowed(blob: UnsafeRawBufferPointer, at index: Int32) throws(StoreError) {
        let result: Int32
        if let base = blob.baseAddress, blob.count > 0 {
            result = sqlite3_bind_blob(self.handle, index, base, Int32(blob.count), nil)
        } else {
            result = sqlite3_bind_zeroblob(self.handle, index, 0)
        }
        guard result == SQLITE_OK else { throw self.error(call: "sqlite3_bind_blob", code: result) }
    }

    /// Runs one step: `true` when a row is ready to read, `false` when the statement is done.
    ///
    /// The corresponding C function is `sqlite3_step`.
    public func step() throws(StoreError) -> Bool {
        let result = sqlite3_step(self.handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw self.error(call: "sqlite3_step", code: result)
        }
    }

    /// Steps until done, ignoring any rows.
    public func run() throws(StoreError) {
        while try self.step() {}
    }

    /// Rewinds the statement and sets every parameter back to NULL, ending its read transaction.
    ///
    /// The corresponding C functions are `sqlite3_reset` and `sqlite3_clear_bindings`. Their result repeats the last
    /// `step` error, which ``step()`` already threw, so it is ignored here.
    public func reset() {
        sqlite3_reset(self.handle)
        sqlite3_clear_bindings(self.handle)
    }

    /// True if column `index` (from 0) of the current row is NULL.
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(self.handle, index) == SQLITE_NULL
    }

    /// Column `index` of the current row as an integer (0 for NULL).
    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(self.handle, index)
    }

    /// Column `index` of the current row as an integer, or `nil` for NULL.
    public func optionalInt64(at index: Int32) -> Int64? {
        self.isNull(at: index) ? nil : sqlite3_column_int64(self.handle, index)
    }

    /// Column `index` of the current row as text ("" for NULL); invalid UTF-8 is repaired, never trusted.
    public func text(at index: Int32) -> String {
        guard let bytes = sqlite3_column_text(self.handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(self.handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` of the current row as text, or `nil` for NULL.
    public func optionalText(at index: Int32) -> String? {
        self.isNull(at: index) ? nil : self.text(at: index)
    }

    /// Column `index` of the current row as bytes (empty for NULL).
    public func blob(at index: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(self.handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(self.handle, index))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func bind(text: String, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 -> Int32 in
            // A NULL pointer would bind SQL NULL, not an empty string.
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return sqlite3_bind_text(self.handle, index, "", 0, CKeygateSQLite_TRANSIENT())
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(self.handle, index, $0, Int32(utf8.count), CKeygateSQLite_TRANSIENT())
            }
        }
    }

    private func bindTransient(blob: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        guard let base = blob.baseAddress, blob.count > 0 else { return sqlite3_bind_zeroblob(self.handle, index, 0) }
        return sqlite3_bind_blob(self.handle, index, base, Int32(blob.count), CKeygateSQLite_TRANSIENT())
    }

    private func error(call: String, code: Int32) -> StoreError {
        StoreError(
            call: call, code: code & 0xFF, extendedCode: sqlite3_extended_errcode(self.database),
            message: String(cString: sqlite3_errmsg(self.database)), sql: self.sql)
    }
}
