import KeygateStore
import Testing

struct MigrationsTests {
    let scratch = ScratchDirectory()

    @Test func migratesAFreshDatabase() throws {
        let path = self.scratch.file("keys.db")
        _ = try KeyStore(path: path, create: true)
        let connection = try Connection(path: path, mode: .readOnly)
        #expect(try Migrations.version(of: connection) == Migrations.currentVersion)
        #expect(try connection.int64("PRAGMA application_id") == Migrations.applicationID)
        let tables = try connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        var names: [String] = []
        while try tables.step() { names.append(tables.text(at: 0)) }
        #expect(names == ["audit", "key_secrets", "keys", "plans", "usage_daily"])
        // Opening again migrates nothing and keeps the data.
        _ = try KeyStore(path: path, create: false)
        #expect(try Migrations.version(of: connection) == Migrations.currentVersion)
    }

    @Test func refusesANewerSchema() throws {
        let path = self.scratch.file("keys.db")
        _ = try KeyStore(path: path, create: true)
        try Connection(path: path, mode: .readWrite).execute("PRAGMA user_version = 99")
        let expected =
            "database schema version 99 is newer than this keygate (\(Migrations.currentVersion)): upgrade keygate"
        let writeError = #expect(throws: StoreError.self) { try KeyStore(path: path, create: false) }
        #expect(writeError?.description == expected)
        let readError = #expect(throws: StoreError.self) { try KeyLookup(path: path) }
        #expect(readError?.description == expected)
    }

    @Test func readOnlyRefusesAnOlderSchema() throws {
        let path = self.scratch.file("keys.db")
        _ = try Connection(path: path, mode: .create)
        let error = #expect(throws: StoreError.self) { try KeyLookup(path: path) }
        #expect(
            error?.description
                == "database schema version 0 is older than this keygate (\(Migrations.currentVersion)): "
                + "run `keygate migrate`")
        _ = try KeyStore(path: path, create: false)
        _ = try KeyLookup(path: path)
    }

    @Test func refusesSomeoneElsesDatabase() throws {
        let path = self.scratch.file("other.db")
        try Connection(path: path, mode: .create).execute("CREATE TABLE customers (id INTEGER)")
        let error = #expect(throws: StoreError.self) { try KeyStore(path: path, create: false) }
        #expect(error?.description == "\(path) is an SQLite database with tables but no keygate schema version")
        try Connection(path: path, mode: .readWrite).execute("PRAGMA application_id = 1234")
        let otherError = #expect(throws: StoreError.self) { try KeyStore(path: path, create: false) }
        #expect(otherError?.description == "\(path) belongs to another program (application_id 1234)")
    }
}
