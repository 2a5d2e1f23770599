import Foundation
import Glibc
import KeygateTesting
import Testing

/// The admin CLI: output shapes, clear errors and exit codes for bad input.
@Suite(.serialized)
final class CLITests {
    let scratch: Scratch
    let db: String

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
    }

    @Test func lifecycleThroughTheCLI() throws {
        let key = try Harness.createKey(
            db: self.db, ["--owner", "ops", "--scope", "a:read,b:write", "--metadata", "{\"team\":\"x\"}"])
        let list = try Harness.keygate(["keys", "list", "--db", self.db])
        #expect(list.status == 0)
        #expect(list.stdout.contains(key.id))
        #expect(!list.stdout.contains(key.secret))
        let show = try Harness.keygate(["keys", "show", "--db", self.db, key.id, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect(object?["scopes"] as? [String] == ["a:read", "b:write"])
        #expect((object?["metadata"] as? [String: Any])?["team"] as? String == "x")
        #expect(object?["key"] == nil)
        #expect(
            try Harness.keygate([
                "keys", "update", "--db", self.db, key.id, "--allow-ip", "10.0.0.0/8", "--allow-origin",
                "https://a.example",
            ]).status == 0)
        #expect(
            try Harness.keygate(
                ["check", "--db", self.db, "--key", "-", "--remote-addr", "192.0.2.1"], stdin: key.secret + "\n"
            ).stdout
                .contains("outcome: ip_not_allowed"))
        #expect(
            try Harness.keygate([
                "check", "--db", self.db, "--key", key.secret, "--remote-addr", "10.1.2.3", "--origin",
                "https://a.example",
            ]).status == 0)
        #expect(try Harness.keygate(["keys", "revoke", "--db", self.db, key.id]).status == 0)
        #expect(try Harness.keygate(["keys", "list", "--db", self.db]).stdout.contains(key.id) == false)
        #expect(try Harness.keygate(["keys", "list", "--db", self.db, "--all"]).stdout.contains(key.id))
        let audit = try Harness.keygate(["audit", "--db", self.db, "--key", key.id, "--json"])
        #expect(audit.stdout.contains("\"action\":\"revoke\"") || audit.stdout.contains("revoke"))
        #expect(!audit.stdout.contains(key.secret))
        #expect(try Harness.keygate(["keys", "delete", "--db", self.db, key.id]).status == 0)
        #expect(try Harness.keygate(["keys", "show", "--db", self.db, key.id]).status == 1)
    }

    /// `check` shows what would happen and records nothing: five checks of a 3-credit key all allow, with 2 remaining,
    /// and a server then still admits exactly three requests. (Before, each check spent a credit.)
    @Test func checkSpendsNothing() throws {
        let key = try Harness.createKey(db: self.db, ["--credits", "3"])
        for _ in 0..<5 {
            let check = try Harness.keygate(["check", "--db", self.db, "--key", key.secret])
            #expect(check.status == 0)
            #expect(check.stdout.contains("outcome: allow"))
            #expect(check.stdout.contains("X-RateLimit-Remaining: 2"))
        }
        #expect(!FileManager.default.fileExists(atPath: self.db + ".state"))
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 0)
        defer { server.stop() }
        let statuses = try (0..<4).map { _ in try server.ask([("HTTP_X_API_KEY", key.secret)]).status }
        #expect(statuses == [204, 204, 204, 429])
        let afterwards = try Harness.keygate(["check", "--db", self.db, "--key", key.secret])
        #expect(afterwards.stdout.contains("outcome: rate_limited"))
        #expect(afterwards.status == 2)
    }

    @Test func databaseDefaultsFromTheEnvironment() throws {
        _ = try Harness.createKey(db: self.db)
        let result = try Harness.run(Harness.keygate, ["keys", "list", "--json"], environment: ["KEYGATE_DB": self.db])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("[{"))
        let none = try Harness.keygate(["keys", "list"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("KEYGATE_DB"))
    }

    @Test(arguments: [
        (["keys", "show", "kid_doesnotexist0000"], "no key with id"),
        (["keys", "revoke", "kid_doesnotexist0000"], "no key with id"),
        (["keys", "rotate", "kid_doesnotexist0000"], "no key with id"),
        (["keys", "create", "--name", "x", "--expires", "90years"], "--expires"),
        (["keys", "create", "--name", "x", "--expires", "2001-01-01"], "in the past"),
        (["keys", "create", "--name", "x", "--allow-ip", "10.0.0.1/8"], "--allow-ip"),
        (["keys", "create", "--name", "x", "--allow-ip", "nonsense"], "--allow-ip"),
        (["keys", "create", "--name", "x", "--scope", "bad scope!"], "--scope"),
        (["keys", "create", "--name", "x", "--prefix", "Bad"], "--prefix"),
        (["keys", "create", "--name", "x", "--metadata", "[1,2]"], "metadata"),
        (["keys", "create", "--name", ""], "name"),
        (["keys", "rotate", "kid_doesnotexist0000", "--grace", "forever"], "--grace"),
        (["keys", "update", "kid_doesnotexist0000", "--disable", "--enable"], "contradict"),
    ])
    func badInputIsAClearErrorWithNonZeroExit(arguments: [String], message: String) throws {
        _ = try Harness.createKey(db: self.db)
        let result = try Harness.keygate(arguments + ["--db", self.db])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
    }

    @Test func unwritableOrMissingDatabase() throws {
        let missing = try Harness.keygate(["keys", "list", "--db", self.scratch.file("missing.db")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no database at"))
        let notADatabase = self.scratch.file("junk.db")
        try "this is not sqlite".write(toFile: notADatabase, atomically: true, encoding: .utf8)
        let junk = try Harness.keygate(["keys", "create", "--name", "x", "--db", notADatabase])
        #expect(junk.status != 0)
        #expect(junk.stderr.contains("not an SQLite database") || junk.stderr.contains("SQLITE_NOTADB"))
        let unwritable = try Harness.keygate(["keys", "create", "--name", "x", "--db", "/proc/keygate.db"])
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("/proc/keygate.db"))
    }

    @Test func databaseFilesAreCreatedPrivate() throws {
        _ = try Harness.createKey(db: self.db)
        for path in [self.db, self.db + "-wal", self.db + "-shm"] where FileManager.default.fileExists(atPath: path) {
            var status = stat()
            stat(path, &status)
            #expect(status.st_mode & 0o777 == 0o600, "\(path)")
        }
    }

    @Test(arguments: [
        ["migrate"], ["plans", "create", "free", "--limit", "60/min"], ["keys", "create", "--name", "x"],
    ])
    func commandsThatCreateTheDatabaseCreateItsFolders(command: [String]) throws {
        let nested = self.scratch.file("a/b/c")
        let result = try Harness.keygate(command + ["--db", nested + "/keys.db"])
        #expect(result.status == 0, "\(result.stderr)")
        for folder in [self.scratch.file("a"), self.scratch.file("a/b"), nested] {
            var status = stat()
            #expect(stat(folder, &status) == 0 && status.st_mode & 0o777 == 0o750, "\(folder)")
        }
        // A parent that is a file is a clear error naming the folder and the call.
        try "".write(toFile: self.scratch.file("file"), atomically: true, encoding: .utf8)
        let blocked = try Harness.keygate(command + ["--db", self.scratch.file("file/sub/keys.db")])
        #expect(blocked.status != 0)
        #expect(
            blocked.stderr.contains("cannot create the folder \(self.scratch.file("file/sub"))"), "\(blocked.stderr)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-socket-activate")))
    func systemdSocketActivation() throws {
        let key = try Harness.createKey(db: self.db)
        let socketPath = self.scratch.file("activated.sock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        process.arguments = [
            "-l", socketPath, Harness.keygate, "serve", "--db", self.db, "--listen", "systemd", "--workers", "1",
        ]
        let log = self.scratch.file("activated.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        #expect(Harness.eventually { FileManager.default.fileExists(atPath: socketPath) })
        // systemd-socket-activate starts keygate on the first connection.
        var answer: FastCGIAnswerBox? = nil
        for _ in 0..<50 where answer == nil {
            if let socket = try? FastCGISocket(path: socketPath) {
                socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", key.secret)])))
                if let first = try? socket.answers().first { answer = FastCGIAnswerBox(answer: first) }
            }
            if answer == nil { usleep(100_000) }
        }
        guard case .response(_, let stdout, _, _, _)? = answer?.answer else {
            Issue.record(
                "no answer over the activated socket: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            return
        }
        #expect(String(decoding: stdout, as: UTF8.self).contains("Status: 204"))
    }
}

struct FastCGIAnswerBox {
    var answer: FastCGIAnswer
}
