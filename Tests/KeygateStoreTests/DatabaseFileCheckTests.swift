import Glibc
import KeygateCore
import KeygateStore
import Testing

/// What a worker checks before switching to a database file that replaced the open one.
struct DatabaseFileCheckTests {
    let scratch = ScratchDirectory()

    /// A closed, checkpointed database with one key at `name`.
    func database(_ name: String) throws -> String {
        let path = self.scratch.file(name)
        let store = try KeyStore(path: path, create: true)
        _ = try store.create(NewKey(name: "k"), now: 1_700_000_000, actor: "a")
        return path
    }

    @Test func aCompleteDatabaseAtThisSchemaCanBeSwitchedTo() throws {
        let path = try self.database("keys.db")
        #expect(DatabaseFileCheck.problem(path: path) == nil)
        let identity = try #require(DatabaseFileCheck(path: path))
        #expect(DatabaseFileCheck(path: path) == identity)
        #expect(DatabaseFileCheck(path: self.scratch.file("absent.db")) == nil)
    }

    @Test func aCopyStillInProgressIsNot() throws {
        let path = try self.database("keys.db")
        #expect(truncate(path, 4096) == 0)
        #expect(DatabaseFileCheck.problem(path: path)?.hasPrefix("incomplete") == true)
    }

    @Test func anotherSchemaVersionIsNot() throws {
        let path = self.scratch.file("old.db")
        let old = try Connection(path: path, mode: .create)
        try Migrations.migrate(old, toVersion: 1)
        try old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        #expect(DatabaseFileCheck.problem(path: path)?.contains("schema version 1") == true)
    }

    @Test func somethingElseIsNot() throws {
        let path = self.scratch.file("junk.db")
        let file = fopen(path, "w")
        fputs(
            "not a database at all, just some text that is long enough to fill a header of one hundred bytes.....", file
        )
        fclose(file)
        #expect(DatabaseFileCheck.problem(path: path)?.hasPrefix("not an SQLite database") == true)
        #expect(DatabaseFileCheck.problem(path: self.scratch.file("absent.db"))?.hasPrefix("cannot open it") == true)
    }
}
