import CKeygateSQLite
import Glibc

/// One SQLite connection (`sqlite3 *`), used by one thread at a time.
///
/// Opened with `sqlite3_open_v2` and closed with `sqlite3_close_v2` in `deinit`, which waits for any statement still
/// alive to be finalized. Writers (``Mode/readWrite``, ``Mode/create``) run in WAL mode with foreign keys on,
/// `synchronous=NORMAL` and a 5 s busy timeout; readers (``Mode/readOnly``) open with `SQLITE_OPEN_READONLY`.
/// The connection does not migrate: ``KeyStore`` and ``KeyLookup`` check the schema version.
public final class Connection {
    /// How to open the database file.
    public enum Mode: Sendable, Equatable {
        /// Read only (workers); the file must exist.
        case readOnly
        /// Read and write; the file must exist.
        case readWrite
        /// Read and write, creating the file with mode 0600 if it is missing.
        case create
    }

    /// The `sqlite3 *`; owned.
    let handle: OpaquePointer
    /// The file this connection opened (`stat` before and after opening agreed), for writers: a commit checks that
    /// the path still names it (see ``writeTransaction(_:)``).
    private let file: DatabaseFileCheck?
    /// The database file.
    public let path: String
    public let mode: Mode

    /// Opens `path` in `mode`.
    ///
    /// Throws if the file is missing (except with ``Mode/create``), is not an SQLite database, or cannot be put in
    /// WAL mode. `busyTimeoutMillis` defaults to 5000 for writers and 2000 for readers.
    public init(path: String, mode: Mode, busyTimeoutMillis: Int32? = nil) throws(StoreError) {
        var created = false
        if mode == .create {
            created = try Self.createFileIfMissing(path)
        } else if !Self.fileExists(path) {
            throw StoreError.refusal(
                "open", "no database at \(path) (create it with `keygate keys create` or `keygate init`)")
        }
        // Never SQLITE_OPEN_CREATE: only createFileIfMissing creates the file, so that it is born 0600.
        // NOMUTEX: each connection is confined to one thread, so SQLite's per-connection mutex is pure cost.
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        var opened: OpaquePointer?
        let fileBefore = DatabaseFileCheck(path: path)
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let handle = opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close_v2(opened)
            throw StoreError(
                call: "sqlite3_open_v2", code: result & 0xFF, extendedCode: result, message: "\(message) (\(path))")
        }
        self.handle = handle
        self.path = path
        self.mode = mode
        let fileAfter = DatabaseFileCheck(path: path)
        self.file = fileBefore == fileAfter ? fileAfter : nil
        // From here on, a throw releases self and deinit closes the handle.
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMillis ?? (mode == .readOnly ? 2000 : 5000))
        try self.requireDatabase()
        if mode != .readOnly {
            try self.configureWriter(restrictingSidecars: created)
        }
    }

    deinit {
        sqlite3_close_v2(self.handle)
    }

    /// Prepares `sql` (one statement) with `sqlite3_prepare_v3`.
    ///
    /// `persistent` passes `SQLITE_PREPARE_PERSISTENT`, telling SQLite the statement is kept and reused (the hot
    /// lookup), so it avoids lookaside memory.
    public func prepare(_ sql: String, persistent: Bool = false) throws(StoreError) -> Statement {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let result = sqlite3_prepare_v3(self.handle, sql, -1, flags, &statement, nil)
        guard result == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw self.error(call: "sqlite3_prepare_v3", code: result, sql: sql)
        }
        return Statement(handle: statement, database: self.handle, sql: sql)
    }

    /// Runs one statement with `values` bound to its parameters, ignoring any rows.
    public func execute(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) {
        let statement = try self.prepare(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// Runs several `;`-separated statements without parameters (`sqlite3_exec`), e.g. a migration.
    public func executeScript(_ sql: String) throws(StoreError) {
        let result = sqlite3_exec(self.handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw self.error(call: "sqlite3_exec", code: result, sql: sql) }
    }

    /// The first column of the first row of `sql` as an integer, or `nil` if there is no row or it is NULL.
    public func int64(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int64? {
        let statement = try self.prepare(sql)
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.optionalInt64(at: 0)
    }

    /// The first column of the first row of `sql` as text, or `nil` if there is no row or it is NULL.
    public func text(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> String? {
        let statement = try self.prepare(sql)
        try statement.bind(values)
        guard try statement.step() else { return nil }
        return statement.optionalText(at: 0)
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE (`sqlite3_changes64`).
    public var changes: Int { Int(sqlite3_changes64(self.handle)) }

    /// True outside any transaction (`sqlite3_get_autocommit`).
    public var isAutocommit: Bool { sqlite3_get_autocommit(self.handle) != 0 }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed if it returns, rolled back if it throws.
    ///
    /// IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so two writers never both read and
    /// then fail to upgrade. Transactions do not nest; starting one inside another is a bug and traps.
    ///
    /// Right before `COMMIT` the path must still name the file this connection opened: after a restore by `mv`, the
    /// frames of a commit to the old file would go to the `-wal` the new file shares and be read as its pages (a
    /// malformed database, or wrong keys). Such a transaction is rolled back, nothing written, and the error says to
    /// run it again (a new connection opens the new file).
    public func writeTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        precondition(self.isAutocommit, "writeTransaction called inside a transaction on \(self.path)")
        try self.executeScript("BEGIN IMMEDIATE")
        let result: Result
        do {
            result = try body()
            guard self.file == nil || DatabaseFileCheck(path: self.path) == self.file else {
                throw StoreError.refusal(
                    "COMMIT",
                    "\(self.path) was replaced by another file while this connection had it open; nothing was "
                        + "written: run it again")
            }
            try self.executeScript("COMMIT")
        } catch {
            if !self.isAutocommit {
                // The original error matters more than a failed rollback, which SQLite completes on close anyway.
                _ = sqlite3_exec(self.handle, "ROLLBACK", nil, nil, nil)
            }
            throw error
        }
        return result
    }

    /// An error for a failed `call`, with SQLite's current message for this connection.
    func error(call: String, code: Int32, sql: String?) -> StoreError {
        StoreError(
            call: call, code: code & 0xFF, extendedCode: sqlite3_extended_errcode(self.handle),
            message: String(cString: sqlite3_errmsg(self.handle)), sql: sql)
    }

    /// Reads the schema once, so that a file that is not a database fails here with a clear message.
    private func requireDatabase() throws(StoreError) {
        let sql = "SELECT count(*) FROM sqlite_schema"
        do {
            _ = try self.int64(sql)
        } catch let error where error.code == SQLITE_NOTADB {
            throw StoreError(
                call: error.call, code: error.code, extendedCode: error.extendedCode,
                message: "\(self.path) is not an SQLite database (\(error.message))", sql: sql)
        }
    }

    /// Sets the pragmas every writer needs, and makes new `-wal`/`-shm` files 0600.
    private func configureWriter(restrictingSidecars: Bool) throws(StoreError) {
        // DEFENSIVE stops SQL from corrupting the file on purpose (writable_schema and the like).
        _ = CKeygateSQLite_db_config_defensive(self.handle, 1)
        let journalMode = try self.text("PRAGMA journal_mode=WAL")
        guard journalMode?.lowercased() == "wal" else {
            throw StoreError(
                call: "sqlite3_step", code: nil, extendedCode: nil,
                message: "could not put \(self.path) in WAL mode: journal_mode is \(journalMode ?? "unknown")",
                sql: "PRAGMA journal_mode=WAL")
        }
        try self.executeScript("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL")
        if restrictingSidecars {
            // SQLite already gives -wal and -shm the database file's mode; this only repeats it in case another
            // process created them first.
            for suffix in ["-wal", "-shm"] {
                _ = chmod(self.path + suffix, 0o600)
            }
        }
    }

    /// True unless `stat` says `path` (or a directory on the way) does not exist.
    private static func fileExists(_ path: String) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return true }
        return errno != ENOENT && errno != ENOTDIR
    }

    /// Creates `path` with mode 0600 unless it exists; true if this call created it.
    private static func createFileIfMissing(_ path: String) throws(StoreError) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return false }
            throw StoreError.refusal("open", "cannot create database \(path): \(String(cString: strerror(code)))")
        }
        // The umask can only clear bits of 0600, but be explicit about the result.
        _ = fchmod(descriptor, 0o600)
        _ = close(descriptor)
        return true
    }
}
