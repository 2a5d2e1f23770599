import KeygateCore
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
        #expect(
            names == [
                "admin_idempotency", "admin_keys", "audit", "counter_snapshots", "free_slots", "key_changes",
                "key_secrets",
                "keygate_state", "keys", "plans",
                "sqlite_sequence", "usage_daily",
            ])
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

    @Test func migratesAVersion1DatabaseForward() throws {
        let path = self.scratch.file("keys.db")
        let secret = "kg_version1secretversion1secretversion1secretAA"
        do {
            let old = try Connection(path: path, mode: .create)
            try Migrations.migrate(old, toVersion: 1)
            #expect(try Migrations.version(of: old) == 1)
            try old.execute(
                """
                INSERT INTO keys (id, slot, display_prefix, name, scopes, status, created_at) \
                VALUES ('kid_old', 0, 'kg_versi', 'old', 'read', 'active', ?)
                """,
                [.integer(t0)])
            try old.execute(
                "INSERT INTO key_secrets (digest, key_id, created_at) VALUES (?, 'kid_old', ?)",
                [.blob(try digest(secret).bytes), .integer(t0)])
        }
        let error = #expect(throws: StoreError.self) { try KeyLookup(path: path) }
        #expect(
            error?.description
                == "database schema version 1 is older than this keygate (\(Migrations.currentVersion)): "
                + "run `keygate migrate`")

        let store = try KeyStore(path: path, create: false)
        let connection = try Connection(path: path, mode: .readOnly)
        #expect(try Migrations.version(of: connection) == Migrations.currentVersion)
        let record = try #require(try store.find(id: "kid_old"))
        #expect(record.name == "old" && record.scopes == ["read"] && record.plan == nil && record.policies.isEmpty)
        let match = try #require(try KeyLookup(path: path).find(digest: try digest(secret)))
        #expect(match.key == record)
        #expect(try store.secrets(id: "kid_old").count == 1)
        // The new tables work on the migrated file.
        _ = try store.createPlan(name: "free", rateLimits: [try RateLimitPolicy.parse("1/s")], now: t0, actor: "a")
        #expect(try store.update(id: "kid_old", KeyUpdate(plan: "free"), now: t0, actor: "a")?.plan == "free")
        try store.addUsage([(keyID: "kid_old", day: "2026-01-01", admitted: 1, rejected: 0)])
        #expect(try store.usage(keyID: "kid_old", sinceDay: nil).count == 1)
    }
}
