import CKeygateSQLite
import Glibc
import KeygateStore
import Testing

struct ConnectionTests {
    let scratch = ScratchDirectory()

    @Test func createMakesA0600WALDatabase() throws {
        let path = self.scratch.file("keys.db")
        let connection = try Connection(path: path, mode: .create)
        try connection.execute("CREATE TABLE t (x INTEGER)")
        try connection.execute("INSERT INTO t VALUES (?)", [.integer(1)])
        #expect(try connection.text("PRAGMA journal_mode") == "wal")
        #expect(try connection.int64("PRAGMA foreign_keys") == 1)
        #expect(try connection.int64("PRAGMA synchronous") == 1)  // NORMAL
        #expect(self.scratch.mode("keys.db") == 0o600)
        #expect(self.scratch.mode("keys.db-wal") == 0o600)
        #expect(self.scratch.mode("keys.db-shm") == 0o600)
    }

    @Test func readWriteRefusesAMissingFile() throws {
        let path = self.scratch.file("missing.db")
        for mode in [Connection.Mode.readWrite, .readOnly] {
            let error = #expect(throws: StoreError.self) { try Connection(path: path, mode: mode) }
            #expect(
                error?.description
                    == "no database at \(path) (create it with `keygate keys create` or `keygate init`)")
        }
        #expect(self.scratch.mode("missing.db") == nil)
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        self.scratch.write("notes.txt", Array(String(repeating: "not a database\n", count: 100).utf8))
        for mode in [Connection.Mode.readWrite, .readOnly, .create] {
            let error = #expect(throws: StoreError.self) {
                try Connection(path: self.scratch.file("notes.txt"), mode: mode)
            }
            #expect(error?.code == SQLITE_NOTADB)
            #expect(error?.description.contains("\(self.scratch.file("notes.txt")) is not an SQLite database") == true)
        }
    }

    @Test func errorsNameTheCallTheCodeAndTheSQL() throws {
        let connection = try Connection(path: self.scratch.file("keys.db"), mode: .create)
        let error = #expect(throws: StoreError.self) { _ = try connection.prepare("SELECT id FROM keys") }
        #expect(error?.call == "sqlite3_prepare_v3")
        #expect(error?.code == SQLITE_ERROR)
        #expect(
            error?.description
                == "sqlite3_prepare_v3 failed (SQLITE_ERROR 1): no such table: keys [SELECT id FROM keys]")
    }

    @Test func statementsBindAndReadEveryType() throws {
        let connection = try Connection(path: self.scratch.file("keys.db"), mode: .create)
        try connection.execute("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)")
        let values: [SQLValue] = [.integer(-42), .text("é\u{0}x"), .blob([0, 1, 255]), .null]
        try connection.execute("INSERT INTO t VALUES (?, ?, ?, ?)", values)
        try connection.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [.integer(0), .text(""), .blob([]), SQLValue(nil)])
        let statement = try connection.prepare("SELECT i, s, b, n FROM t ORDER BY rowid")
        #expect(try statement.step())
        #expect(statement.int64(at: 0) == -42)
        #expect(statement.text(at: 1) == "é\u{0}x")
        #expect(statement.blob(at: 2) == [0, 1, 255])
        #expect(statement.isNull(at: 3) && statement.optionalText(at: 3) == nil)
        #expect(try statement.step())
        #expect(!statement.isNull(at: 1) && statement.text(at: 1) == "")  // "" is not NULL
        #expect(!statement.isNull(at: 2) && statement.blob(at: 2) == [])
        #expect(try !statement.step())
    }

    @Test func writeTransactionRollsBackOnError() throws {
        struct Abort: Error {}
        let connection = try Connection(path: self.scratch.file("keys.db"), mode: .create)
        try connection.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Abort.self) {
            try connection.writeTransaction {
                try connection.execute("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(connection.isAutocommit)
        #expect(try connection.int64("SELECT count(*) FROM t") == 0)
        try connection.writeTransaction { try connection.execute("INSERT INTO t VALUES (1)") }
        #expect(try connection.int64("SELECT count(*) FROM t") == 1)
    }

    @Test func readOnlyConnectionsCannotWrite() throws {
        let path = self.scratch.file("keys.db")
        let writer = try Connection(path: path, mode: .create)
        try writer.execute("CREATE TABLE t (x INTEGER)")
        let reader = try Connection(path: path, mode: .readOnly)
        let error = #expect(throws: StoreError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
        #expect(error?.code == SQLITE_READONLY)
    }

    /// A restore by `mv` while a writer has the old file open: its commit would put the old file's pages in the `-wal`
    /// the new file shares. It is rolled back instead, nothing written anywhere, and a new connection writes.
    @Test func aCommitToAFileNoLongerAtItsPathIsRolledBack() throws {
        let path = self.scratch.file("keys.db")
        let writer = try Connection(path: path, mode: .create)
        try writer.execute("CREATE TABLE t (x INTEGER)")
        try writer.execute("INSERT INTO t VALUES (1)")
        let restored = self.scratch.file("restored.db")
        try writer.execute("VACUUM INTO '\(restored)'")
        #expect(try writer.text("PRAGMA wal_checkpoint(TRUNCATE)") == "0")
        let error = #expect(throws: StoreError.self) {
            try writer.writeTransaction {
                try writer.execute("INSERT INTO t VALUES (2)")
                #expect(rename(restored, path) == 0)
            }
        }
        #expect(error?.description.contains("was replaced by another file while this connection had it open") == true)
        #expect(writer.isAutocommit)
        // Nothing reached the shared WAL: the new file reads as it was restored, and takes a new connection's write.
        var wal = stat()
        #expect(stat(path + "-wal", &wal) != 0 || wal.st_size == 0)
        let again = try Connection(path: path, mode: .readWrite)
        #expect(try again.int64("SELECT count(*) FROM t") == 1)
        try again.writeTransaction { try again.execute("INSERT INTO t VALUES (3)") }
        #expect(try again.text("SELECT group_concat(x) FROM t ORDER BY x") == "1,3")
        #expect(try again.text("PRAGMA integrity_check") == "ok")
    }
}
