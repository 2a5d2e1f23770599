import Foundation
import KeygateCore
import KeygatePostgres
import KeygateStore
import Testing

/// Mirroring PostgreSQL into a host's SQLite file: the changes read after a version, applied in one transaction,
/// give `keygate check` the decisions it gives on a file where the same commands ran directly.
extension PostgresStoreTests {
    /// Creates keys (phase one), calls `between`, then revokes, disables, rotates and deletes some (phase two);
    /// returns each role's secret.
    static func mirrorScript(db: String, between: () throws -> Void) throws -> [(role: String, secret: String)] {
        func keygate(_ arguments: [String]) throws -> [String: Any] {
            let result = try Harness.keygate(arguments + ["--db", db])
            try #require(result.status == 0, "keygate \(arguments.joined(separator: " ")): \(result.stderr)")
            let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return object ?? [:]
        }
        _ = try keygate(["plans", "create", "basic", "--limit", "100/s"])
        let active = try Harness.createKey(db: db, ["--plan", "basic"])
        let revoked = try Harness.createKey(db: db)
        let disabled = try Harness.createKey(db: db, ["--scope", "reports:read"])
        let graced = try Harness.createKey(db: db)
        let cut = try Harness.createKey(db: db)
        let deleted = try Harness.createKey(db: db)
        try between()
        _ = try keygate(["keys", "revoke", revoked.id, "--json"])
        _ = try keygate(["keys", "update", disabled.id, "--disable", "--json"])
        _ = try keygate(["plans", "update", "basic", "--limit", "1/s", "--json"])
        let gracedNew = try #require(
            try keygate(["keys", "rotate", graced.id, "--grace", "1h", "--json"])["key"] as? String)
        let cutNew = try #require(try keygate(["keys", "rotate", cut.id, "--grace", "0s", "--json"])["key"] as? String)
        _ = try Harness.keygate(["keys", "delete", deleted.id, "--db", db])
        let replacement = try Harness.createKey(db: db, ["--plan", "basic"])
        return [
            ("active", active.secret), ("revoked", revoked.secret), ("disabled", disabled.secret),
            ("graced-old", graced.secret), ("graced-new", gracedNew), ("cut-old", cut.secret), ("cut-new", cutNew),
            ("deleted", deleted.secret), ("replacement", replacement.secret),
        ]
    }

    /// What `keygate check` decides for each role's secret against the SQLite file `db`.
    static func decisions(db: String, _ secrets: [(role: String, secret: String)]) throws -> [String] {
        try secrets.map { role, secret in
            let result = try Harness.keygate(["check", "--db", db, "--key", secret, "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            return "\(role): \(object?["outcome"] as? String ?? "no answer: \(result.stderr)")"
        }
    }

    /// Applies every change after the mirror's version, `batch` at a time; returns how many were applied.
    @discardableResult
    static func mirror(_ source: PostgresKeyStore, into mirror: KeyStore, batch: Int = 3) throws -> Int {
        var applied = 0
        for _ in 0..<100 {
            let changes = try source.changes(afterVersion: try mirror.mirroredVersion(), limit: batch)
            guard let last = changes.last else { return applied }
            try mirror.applyMirror(changes, throughVersion: last.version)
            applied += changes.count
        }
        Issue.record("the mirror did not catch up in 100 batches")
        return applied
    }

    @Test func aMirroredFileDecidesAsTheFileTheCommandsRanOn() throws {
        let server = try self.server
        let scratch = try Scratch()
        let reference = scratch.file("reference.db")
        let expected = try Self.decisions(db: reference, try Self.mirrorScript(db: reference) {})

        let url = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)
        let source = try PostgresKeyStore(url: PostgresURL(url), create: false)
        let mirrorPath = scratch.file("mirror.db")
        let mirror = try KeyStore(path: mirrorPath, create: true)
        #expect(try mirror.mirroredVersion() == 0)
        let secrets = try Self.mirrorScript(db: url) { () throws in
            let applied = try Self.mirror(source, into: mirror)
            #expect(applied == 6)
        }
        let resumedFrom = try mirror.mirroredVersion()
        #expect(resumedFrom > 0)
        #expect(try Self.mirror(source, into: mirror) > 0)
        #expect(try mirror.mirroredVersion() > resumedFrom)
        #expect(try Self.mirror(source, into: mirror) == 0)

        let actual = try Self.decisions(db: mirrorPath, secrets)
        #expect(actual == expected)
        #expect(Set(expected.map { $0.split(separator: " ").last! }).count >= 3, "\(expected)")
        // The mirror lists what PostgreSQL lists, byte for byte (ids included: they are the same keys).
        let listed = try Harness.keygate(["keys", "list", "--all", "--json", "--db", url])
        let mirrored = try Harness.keygate(["keys", "list", "--all", "--json", "--db", mirrorPath])
        #expect(listed.status == 0 && mirrored.stdout == listed.stdout)
        // Deleted keys arrive as tombstones; a key's second change reads as one, at its latest version.
        let all = try source.changes(afterVersion: 0, limit: 1000)
        #expect(all.filter { $0.key == nil }.count == 1)
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(all.map(\.version) == all.map(\.version).sorted())
    }

    @Test func notificationsNameTheChangedKeyAndItsVersion() throws {
        let server = try self.server
        let url = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)
        let source = try PostgresKeyStore(url: PostgresURL(url), create: false)
        try source.listen()
        #expect(try source.keyNotifications(timeoutMillis: 50).isEmpty)
        let (id, _) = try Harness.createKey(db: url)
        var received: [(id: String, version: Int64)] = []
        let deadline = Date().addingTimeInterval(10)
        while received.isEmpty && Date() < deadline {
            received += try source.keyNotifications(timeoutMillis: 500)
        }
        #expect(!received.isEmpty && received.allSatisfy { $0.id == id })
        let change = try #require(try source.changes(afterVersion: 0, limit: 10).first)
        #expect(change.id == id && change.version == received.map(\.version).max())
    }
}
