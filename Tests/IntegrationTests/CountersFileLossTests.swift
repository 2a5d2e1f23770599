import Foundation
import Glibc
import Testing

/// A lost counters file must never hand spent credits and exhausted limits out again: at startup keygate refuses
/// a missing, empty or replaced file unless told `--rebuild-state` (which restores the last roll-up), and a file
/// truncated while it runs makes keys with limits fail closed (503) instead of crashing the workers.
@Suite(.serialized)
final class CountersFileLossTests {
    let scratch: Scratch
    let db: String
    let port = Harness.freePort()
    var counters: String { self.db + ".counters" }

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
    }

    func start(workers: Int = 1, _ extra: [String] = []) throws -> KeygateServer {
        try KeygateServer(
            db: self.db, scratch: self.scratch, workers: workers,
            extra: ["--listen", "http://127.0.0.1:\(self.port)"] + extra)
    }

    /// One nginx-style forward-auth request straight to keygate's HTTP listener.
    func ask(_ secret: String) throws -> HTTPResponse {
        try Curl.get(
            "http://127.0.0.1:\(self.port)/_keygate", headers: ["X-Original-URI": "/api/x", "X-API-Key": secret])
    }

    func statuses(_ secret: String, _ count: Int) throws -> [Int] {
        try (0..<count).map { _ in try self.ask(secret).status }
    }

    /// `keygate serve` that is expected to refuse at once (bounded: it must not start serving).
    func refusedStart() throws -> CommandResult {
        try Harness.run(
            Harness.keygate,
            ["serve", "--db", self.db, "--listen", "unix:\(self.scratch.file("refused.sock"))", "--workers", "1"],
            timeout: 10)
    }

    @Test func aMissingOrEmptyCountersFileIsRefusedAndARebuildKeepsWhatWasSpent() throws {
        let spender = try Harness.createKey(db: self.db, ["--credits", "2"])
        let daily = try Harness.createKey(db: self.db, ["--limit", "3/day"])
        let quota = try Harness.createKey(db: self.db, ["--quota", "2/day"])
        let plain = try Harness.createKey(db: self.db)
        var server = try self.start()
        #expect(try self.statuses(spender.secret, 3) == [204, 204, 403])
        #expect(try self.statuses(daily.secret, 4) == [204, 204, 204, 403])
        #expect(try self.statuses(quota.secret, 3) == [204, 204, 403])
        #expect(server.stop() == 0)  // the supervisor rolls up (usage and snapshots) at shutdown

        unlink(self.counters)
        let missing = try self.refusedStart()
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("keys.db.counters is missing"), "\(missing.stderr)")
        #expect(missing.stderr.contains("spent credits and rate limits would be granted again"))
        #expect(missing.stderr.contains("--rebuild-state"))
        #expect(access(self.counters, F_OK) != 0, "a refused start must not create the file")

        close(open(self.counters, O_CREAT | O_WRONLY | O_TRUNC, 0o600))
        let empty = try self.refusedStart()
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("keys.db.counters is empty (truncated)"), "\(empty.stderr)")

        server = try self.start(["--rebuild-state"])
        let broke = try self.ask(spender.secret)
        #expect(broke.status == 403)
        #expect(broke.header("X-Keygate-Reason") == "rate_limited")
        #expect(try self.ask(daily.secret).status == 403, "the exhausted 3/day limit was granted again")
        #expect(try self.ask(quota.secret).status == 403, "the day's quota was granted again")
        #expect(try self.ask(plain.secret).status == 204)
        #expect(server.stop() == 0)

        // The rebuilt file is the recorded one now: a plain restart uses it, and it still remembers.
        server = try self.start()
        defer { server.stop() }
        #expect(try self.ask(spender.secret).status == 403)
        #expect(try self.ask(plain.secret).status == 204)
    }

    @Test(arguments: ["zero", "half"])
    func aCountersFileTruncatedWhileRunningFailsClosedWithoutACrash(_ size: String) throws {
        let limited = try Harness.createKey(db: self.db, ["--limit", "1000/s"])
        let plain = try Harness.createKey(db: self.db)
        let server = try self.start(workers: 2)
        defer { server.stop() }
        #expect(try self.ask(limited.secret).status == 204)
        #expect(try self.ask(plain.secret).status == 204)
        let workers = Set(server.workers)
        #expect(workers.count == 2)
        let full = try FileManager.default.attributesOfItem(atPath: self.counters)[.size] as? Int ?? 0
        let length = size == "zero" ? 0 : full / 2
        #expect(truncate(self.counters, off_t(length)) == 0)
        // At zero the very next access faults (SIGBUS, handled); at half the key's page survives and the sweep
        // (about once a second) notices the shorter file.
        var refused: HTTPResponse? = nil
        #expect(
            Harness.eventually(timeout: 5) {
                refused = try? self.ask(limited.secret)
                return refused?.status == 503
            })
        #expect(refused?.header("X-Keygate-Reason") == "limits_unavailable")
        #expect(try self.ask(limited.secret).status == 503, "limits stay closed")
        #expect(try self.ask(plain.secret).status == 204, "keys without limits keep working")
        usleep(1_500_000)  // a supervisor and worker sweep later
        #expect(Set(server.workers) == workers, "a worker crashed or was restarted")
        #expect(server.log.contains("shared file truncated, replaced or deleted while running"))
        #expect(server.log.contains("--rebuild-state"))
        let after = try FileManager.default.attributesOfItem(atPath: self.counters)[.size] as? Int
        #expect(after == length, "the counters file was recreated or regrown while running")
        #expect(try self.ask(limited.secret).status == 503)

        // A worker started now (after a crash, here SIGKILL) must not recreate the file either: it runs without it.
        let killed = try #require(workers.first)
        kill(killed, SIGKILL)
        #expect(Harness.eventually(timeout: 10) { server.log.contains("counters file unavailable") })
        #expect(Set(server.workers).count == 2 && !server.workers.contains(killed))
        #expect(try self.statuses(limited.secret, 4) == [503, 503, 503, 503])
        #expect(try self.ask(plain.secret).status == 204)
        #expect(try FileManager.default.attributesOfItem(atPath: self.counters)[.size] as? Int == length)
    }
}
