import Foundation
import Glibc
import Testing

/// A database file replaced at the same path while serve runs (a restore from backup): workers notice a new file by
/// its inode within about a second and reopen it; a file that is not complete yet is not switched to; SQLite's
/// backup API (`sqlite3 keys.db ".restore FILE"`), the safe way to restore over a live database, is seen at once.
@Suite(.serialized, .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/sqlite3")))
final class DatabaseReplacementTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let server: KeygateServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
        self.server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
    }

    deinit {
        self.server.stop()
    }

    func sqlite(_ path: String, _ command: String) throws {
        let result = try Harness.run("/usr/bin/sqlite3", [path, command])
        guard result.status == 0 else { throw HarnessError("sqlite3 \(command): \(result.stderr)") }
    }

    /// A copy of the served database (SQLite's backup API), then changed with the CLI, which checkpoints it on exit.
    func copy(named name: String, revoking revoked: String) throws -> (
        path: String, newKey: (id: String, secret: String)
    ) {
        let path = self.scratch.file(name)
        try self.sqlite(self.db, ".backup '\(path)'")
        #expect(try Harness.keygate(["keys", "revoke", "--db", path, revoked]).status == 0)
        return (path, try Harness.createKey(db: path))
    }

    /// Moves `path` over the served database as the README says: checkpoint the live WAL to empty (`0|0|0`), then,
    /// holding the write lock so that no roll-up commits in between, move the file in place only if the WAL is still
    /// empty (again, if a commit slipped in). `checkpoint: false` moves a file over one that is not a database.
    func moveInPlace(_ path: String, checkpoint: Bool = true) throws {
        guard checkpoint else {
            guard rename(path, self.db) == 0 else { throw HarnessError("rename: errno \(errno)") }
            return
        }
        let moved = Harness.eventually(timeout: 10) {
            let emptied = try? Harness.run(
                "/usr/bin/sqlite3", ["-cmd", ".timeout 5000", self.db, "PRAGMA wal_checkpoint(TRUNCATE)"])
            guard emptied?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0|0|0" else { return false }
            let move = try? Harness.run(
                "/usr/bin/sqlite3",
                [
                    "-cmd", ".timeout 5000", self.db, "BEGIN IMMEDIATE",
                    ".shell test ! -s '\(self.db)-wal' && mv '\(path)' '\(self.db)' && echo moved",
                ])
            return move?.stdout.contains("moved") == true
        }
        guard moved else { throw HarnessError("could not move \(path) in place with an empty WAL") }
    }

    func status(_ secret: String) -> Int? {
        try? self.server.ask([("HTTP_X_API_KEY", secret)]).status
    }

    /// Every one of several requests (spread over both workers) answers `expected`.
    func answersEverywhere(_ secret: String, _ expected: Int) -> Bool {
        (0..<6).allSatisfy { _ in self.status(secret) == expected }
    }

    @Test func replacementByRenameIsReopenedAndAnIncompleteOneIsNot() throws {
        #expect(self.status(self.key.secret) == 204)
        let first = try self.copy(named: "restore.db", revoking: self.key.id)
        try self.moveInPlace(first.path)
        #expect(
            Harness.eventually(timeout: 3) {
                self.answersEverywhere(self.key.secret, 401) && self.answersEverywhere(first.newKey.secret, 204)
            })
        // A worker looks at the path when a request comes: ask until both have switched (the kernel picks the worker).
        #expect(
            Harness.eventually(timeout: 10) {
                _ = self.status(first.newKey.secret)
                return self.server.log.components(separatedBy: "database file replaced; reopened it").count - 1 >= 2
            }, "both workers reopened the file")

        // A copy still in progress (shorter than its header says) keeps the current file answering.
        let second = try self.copy(named: "second.db", revoking: first.newKey.id)
        let partial = self.scratch.file("partial.db")
        try self.sqlite(second.path, ".backup '\(partial)'")
        #expect(truncate(partial, 4096) == 0)
        try self.moveInPlace(partial)
        usleep(2_500_000)
        let answers = (0..<6).map { _ in self.status(first.newKey.secret) }
        #expect(answers.allSatisfy { $0 == 204 }, "answers \(answers); log: \(self.server.log.suffix(3_000))")
        #expect(self.server.log.contains("the new one is not usable yet"))
        // Completed: switched to.
        try self.moveInPlace(second.path, checkpoint: false)
        #expect(
            Harness.eventually(timeout: 3) {
                self.answersEverywhere(first.newKey.secret, 401) && self.answersEverywhere(second.newKey.secret, 204)
            })
    }

    /// A write to a file moved in place before the workers looked at the path (its pages go to the `-wal` both files
    /// share) switches them to it at once: no malformed read, no page of the new file taken for one of the old.
    @Test func aWriteToTheNewFileBeforeTheWorkersNoticedIsReadFromTheNewFile() throws {
        #expect(self.answersEverywhere(self.key.secret, 204))
        for round in 0..<5 {
            let path = self.scratch.file("restore-\(round).db")
            try self.sqlite(self.db, ".backup '\(path)'")
            try self.moveInPlace(path)
            // Well within the workers' once-a-second look at the path.
            let created = try Harness.createKey(db: self.db)
            let answers = (0..<6).map { _ in self.status(created.secret) }
            #expect(
                answers.allSatisfy { $0 == 204 },
                "round \(round): a key created in the new file answered \(answers); log: \(self.server.log.suffix(2_000))"
            )
            #expect(self.answersEverywhere(self.key.secret, 204))
        }
    }

    /// Restoring through SQLite (same inode, an ordinary commit) is seen by the very next request.
    @Test func restoreThroughSQLiteIsSeenAtOnce() throws {
        #expect(self.status(self.key.secret) == 204)
        let backup = try self.copy(named: "backup.db", revoking: self.key.id)
        try self.sqlite(self.db, ".restore '\(backup.path)'")
        #expect(self.answersEverywhere(self.key.secret, 401))
        #expect(self.answersEverywhere(backup.newKey.secret, 204))
    }
}
