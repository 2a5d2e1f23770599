import Foundation
import Glibc
import KeygateCore
import KeygatePostgres
import KeygateStore
import Testing

/// The key store in a real PostgreSQL 15: every keys/plans/audit/usage command prints what it prints against
/// SQLite, key changes are versioned and notified, and every way to get the connection wrong fails in bounded time
/// with a message that says what to fix and never the password.
@Suite(PostgresServer.Scope())
struct PostgresStoreTests {
    var server: PostgresServer {
        get throws { try #require(PostgresServer.current, "no PostgreSQL server for this suite") }
    }

    /// `text` with what differs between two runs (ids, secrets, display prefixes, times) replaced by placeholders
    /// (ids and secrets numbered in order of appearance), so that two runs of the same commands compare equal.
    static func normalized(_ text: String, names: inout [String: String]) -> String {
        var result = text
        for (pattern, label) in [("kid_[A-Za-z0-9]+", "ID"), ("kg_[A-Za-z0-9]+", "KEY")] {
            let expression = try! NSRegularExpression(pattern: pattern)
            let matches = expression.matches(in: result, range: NSRange(result.startIndex..., in: result))
            for match in matches.reversed() {
                let range = Range(match.range, in: result)!
                let found = String(result[range])
                if names[found] == nil { names[found] = "<\(label)\(names.count)>" }
                result.replaceSubrange(range, with: names[found]!)
            }
        }
        for pattern in ["[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z", "retires_at=[0-9]+"] {
            let expression = try! NSRegularExpression(pattern: pattern)
            result = expression.stringByReplacingMatches(
                in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "<TIME>")
        }
        return result
    }

    /// Runs the same administration session against `db` and returns every command's exit status and output,
    /// normalized; `addUsage` stands in for the serve roll-up (two hosts reporting the same key and day).
    static func session(
        db: String, addUsage: ([(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws -> Void
    )
        throws -> [String]
    {
        var names: [String: String] = [:]
        var transcript: [String] = []
        func run(_ arguments: [String]) throws -> String {
            let result = try Harness.keygate(arguments.map { $0 == "DB" ? db : $0 })
            transcript.append(
                Self.normalized(
                    "$ \(arguments.joined(separator: " "))\n[\(result.status)]\n\(result.stdout)\(result.stderr)",
                    names: &names))
            return result.stdout
        }
        _ = try run(["plans", "create", "--db", "DB", "free", "--limit", "10/s", "--quota", "1000/day", "--json"])
        _ = try run(["plans", "create", "--db", "DB", "free", "--json"])
        _ = try run(["plans", "update", "--db", "DB", "free", "--limit", "20/s", "--credits", "500", "--json"])
        _ = try run(["plans", "create", "--db", "DB", "spare"])
        _ = try run(["plans", "list", "--db", "DB", "--json"])
        _ = try run(["plans", "list", "--db", "DB"])
        let created = try run([
            "keys", "create", "--db", "DB", "--name", "partner", "--plan", "free", "--scope", "read,write",
            "--allow-ip", "10.0.0.0/8", "--metadata", "{\"tier\":1}", "--json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        let id = try #require(object?["id"] as? String)
        _ = try run(["keys", "create", "--db", "DB", "--name", "other", "--limit", "5/min", "--json"])
        _ = try run(["keys", "create", "--db", "DB", "--name", "bad", "--plan", "missing"])
        _ = try run(["keys", "list", "--db", "DB", "--json"])
        _ = try run(["keys", "show", "--db", "DB", id, "--json"])
        _ = try run([
            "keys", "update", "--db", "DB", id, "--name", "renamed", "--disable", "--quota", "50/day", "--json",
        ])
        _ = try run(["keys", "update", "--db", "DB", "kid_unknown", "--name", "x"])
        _ = try run(["keys", "rotate", "--db", "DB", id, "--grace", "1h", "--json"])
        _ = try run(["keys", "show", "--db", "DB", id, "--json"])
        _ = try run(["plans", "delete", "--db", "DB", "free"])
        _ = try run(["plans", "delete", "--db", "DB", "spare"])
        try addUsage([(id, "2026-11-30", 5, 1), (id, "2026-12-01", 7, 0)])
        try addUsage([(id, "2026-12-01", 3, 2)])
        _ = try run(["usage", "--db", "DB", id, "--json"])
        _ = try run(["usage", "--db", "DB", id, "--since", "2026-12-01", "--json"])
        _ = try run(["keys", "revoke", "--db", "DB", id, "--json"])
        _ = try run(["keys", "rotate", "--db", "DB", id])
        _ = try run(["keys", "list", "--db", "DB", "--json"])
        _ = try run(["keys", "list", "--db", "DB", "--all", "--json"])
        _ = try run(["keys", "delete", "--db", "DB", id])
        _ = try run(["keys", "delete", "--db", "DB", id])
        _ = try run(["audit", "--db", "DB", "--json"])
        _ = try run(["audit", "--db", "DB", "--key", id, "--limit", "3", "--json"])
        return transcript
    }

    @Test func commandsPrintWhatTheyPrintAgainstSQLite() throws {
        let server = try self.server
        let scratch = try Scratch()
        let sqlite = scratch.file("keys.db")
        let postgres = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", postgres]).status == 0)
        let expected = try Self.session(db: sqlite) { try KeyStore(path: sqlite, create: false).addUsage($0) }
        let actual = try Self.session(db: postgres) {
            try PostgresKeyStore(url: PostgresURL(postgres), create: false).addUsage($0)
        }
        #expect(actual.count == expected.count)
        for (got, want) in zip(actual, expected) {
            #expect(got == want)
        }
        #expect(!actual.joined().contains(server.password))
        // Usage from two hosts added up: 7 + 3 admitted on 2026-12-01.
        #expect(actual.contains { $0.contains("\"admitted\":10") })
    }

    @Test func everyKeyChangeGetsAVersionAndANotification() throws {
        let server = try self.server
        let url = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)
        let listener = try PostgresConnection(url: PostgresURL(url))
        try listener.listen(PostgresSchema.keyChannel)
        /// The notifications of the last command, as (id, version): waits for the first, then reads until quiet.
        func received() throws -> [(id: String, version: Int64)] {
            var payloads: [String] = []
            let deadline = Date().addingTimeInterval(10)
            while payloads.isEmpty && Date() < deadline {
                payloads += try listener.notifications(timeoutMillis: 500).map(\.payload)
            }
            for _ in 0..<100 {
                let more = try listener.notifications(timeoutMillis: 300).map(\.payload)
                if more.isEmpty { break }
                payloads += more
            }
            return payloads.compactMap { payload in
                let parts = payload.split(separator: ":")
                guard parts.count == 2, let version = Int64(parts[1]) else { return nil }
                return (String(parts[0]), version)
            }
        }
        /// The newest version notified for `id`.
        func awaitPayload(_ id: String) throws -> (id: String, version: Int64) {
            let notes = try received()
            #expect(!notes.isEmpty && notes.allSatisfy { $0.id == id })
            return (id, try #require(notes.map(\.version).max()))
        }
        let (id, _) = try Harness.createKey(db: url)
        let created = try awaitPayload(id)
        let store = try PostgresKeyStore(url: PostgresURL(url), create: false)
        let stored = try store.connection.query("SELECT version FROM keys WHERE id = $1", [.text(id)]).row(0)
        #expect(stored.int64(at: 0) == created.version)
        #expect(try Harness.keygate(["keys", "update", "--db", url, id, "--name", "n2"]).status == 0)
        let updated = try awaitPayload(id)
        #expect(updated.version > created.version)
        #expect(try Harness.keygate(["keys", "rotate", "--db", url, id, "--grace", "0s"]).status == 0)
        let rotated = try awaitPayload(id)
        #expect(rotated.version > updated.version)
        #expect(try Harness.keygate(["keys", "delete", "--db", url, id]).status == 0)
        let deleted = try awaitPayload(id)
        #expect(deleted.version > rotated.version)
        let tombstone = try store.connection.query("SELECT version FROM key_deletions WHERE id = $1", [.text(id)])
        #expect(tombstone.count == 1 && tombstone.row(0).int64(at: 0) == deleted.version)
    }

    /// Runs `keygate keys list --db url` and returns what it printed, after checking that it failed within
    /// `seconds` and never printed `password`.
    func failure(_ url: String, within seconds: Double = 10, environment: [String: String] = [:]) throws -> String {
        let start = Date()
        let result = try Harness.run(
            Harness.keygate, ["keys", "list", "--db", url], environment: environment, timeout: 30)
        #expect(Date().timeIntervalSince(start) < seconds)
        #expect(result.status != 0)
        let output = result.stdout + result.stderr
        #expect(!output.contains(try self.server.password))
        #expect(!output.contains("hunter2"))
        return output
    }

    /// A unix socket path under /tmp that nothing uses (serve refuses the URL before binding it).
    func scratchSocket() -> String {
        "/tmp/keygate-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    @Test func connectionMistakesSayWhatToFixAndHideThePassword() throws {
        let server = try self.server
        let url = try server.makeDatabase()
        let database = String(url.split(separator: "/").last!)
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)

        let wrong = try self.failure(server.url(database: database, password: "hunter2"))
        #expect(wrong.contains("password authentication failed") && wrong.contains("check the password"))
        #expect(wrong.contains("keygate:***@127.0.0.1"))

        let refused = try self.failure("postgresql://keygate:hunter2@127.0.0.1:\(Harness.freePort())/x")
        #expect(refused.contains("check the host and port"))

        // A server that accepts TCP connections and never answers: the connect timeout ends the wait.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let silentPort = Harness.freePort()
        address.sin_port = silentPort.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(silent, 8) == 0)
        let hung = try self.failure(
            "postgresql://keygate:hunter2@127.0.0.1:\(silentPort)/x",
            within: Double(PostgresConnection.defaultConnectTimeoutSeconds) + 3)
        #expect(hung.contains("timeout expired") && hung.contains("check the host and port"))

        let malformed = try self.failure("postgresql://keygate:hunter2@127.0.0.1:\(server.port)/\(database)?sslmod=x")
        #expect(
            malformed.contains("invalid URI query parameter")
                && malformed.contains("postgresql://USER@HOST:PORT/DATABASE"))

        let unknownScheme = try self.failure("mysql://keygate:hunter2@127.0.0.1/keys")
        #expect(unknownScheme.contains("not mysql"))

        // Workers read SQLite: serve and check refuse a PostgreSQL URL, without showing its password.
        for arguments in [
            ["check", "--key", "kg_x"], ["serve", "--listen", "unix:\(scratchSocket())", "--workers", "0"],
        ] {
            let result = try Harness.run(Harness.keygate, arguments + ["--db", url], timeout: 10)
            #expect(result.status != 0 && (result.stderr + result.stdout).contains("reads"))
            #expect(!(result.stderr + result.stdout).contains(server.password))
        }

        let empty = try server.makeDatabase()
        let noSchema = try self.failure(empty)
        #expect(noSchema.contains("has no keygate schema: run `keygate init --db postgresql://keygate:***@"))

        let store = try PostgresKeyStore(url: PostgresURL(url), create: false)
        // A version 1 database (before admin keys) is refused until `keygate migrate` adds what version 2 has.
        try store.connection.query("DROP TABLE admin_keys, admin_idempotency")
        try store.connection.query("UPDATE keygate_schema SET version = 1")
        let older = try self.failure(url)
        #expect(older.contains("schema version 1") && older.contains("keygate migrate --db"), "\(older)")
        #expect(try Harness.keygate(["migrate", "--db", url]).status == 0)
        let admin = try Harness.keygate(["admin-keys", "create", "--db", url, "--name", "a", "--grant", "*"])
        #expect(admin.status == 0, "\(admin.stderr)")
        try store.connection.query("UPDATE keygate_schema SET version = 99")
        let newer = try self.failure(url)
        #expect(newer.contains("schema version 99") && newer.contains("upgrade keygate"))
        let initAgain = try Harness.keygate(["init", "--db", url])
        #expect(initAgain.status != 0 && initAgain.stderr.contains("upgrade keygate"))
    }

    @Test func passwordsFromAFileOrTheEnvironment() throws {
        let server = try self.server
        let url = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)
        let database = String(url.split(separator: "/").last!)
        let scratch = try Scratch()
        let passwordFile = scratch.file("password")
        try (server.password + "\n").write(toFile: passwordFile, atomically: false, encoding: .utf8)
        let bare = "postgresql://keygate@127.0.0.1:\(server.port)/\(database)"
        let fromFile = try Harness.keygate([
            "keys", "create", "--db", bare + "?password_file=\(passwordFile)", "--name", "f",
        ])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let fromEnvironment = try Harness.run(
            Harness.keygate, ["keys", "list", "--db", bare], environment: ["PGPASSWORD": server.password])
        #expect(fromEnvironment.status == 0 && fromEnvironment.stdout.contains(" f "))
        let missingFile = try self.failure(bare + "?password_file=\(scratch.file("absent"))")
        #expect(missingFile.contains("cannot read the password_file") && missingFile.contains("No such file"))
        let wrongEnvironment = try self.failure(bare, environment: ["PGPASSWORD": "hunter2"])
        #expect(wrongEnvironment.contains("password authentication failed"))
    }
}
