import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// Rate limits, quotas and credits end to end: true 429s through real nginx, restarts, live limit changes, usage.
@Suite(.serialized)
final class LimitsTests {
    let scratch: Scratch
    let db: String

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
    }

    func ask(_ server: KeygateServer, _ secret: String, extra: [(String, String)] = []) throws -> CGIResponse {
        let socket = try FastCGISocket(path: server.socketPath)
        // Extra params go first: the first occurrence of a name wins.
        let params = extra + FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", secret)])
        socket.send(FastCGISocket.request(params))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            throw HarnessError("no answer")
        }
        return try #require(CGIResponse(parsing: stdout))
    }

    @Test func nginxGivesATrue429WithHeadersAndKeepAliveAndAdmitsAgainAfterRetryAfter() throws {
        let key = try Harness.createKey(db: self.db, ["--limit", "2/s", "--quota", "1000/day"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        let nginx = try NginxServer(scratch: self.scratch, socketPath: server.socketPath)
        defer { nginx.stop() }
        let first = try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": key.secret])
        #expect(first.status == 200)
        #expect(first.header("RateLimit-Policy") == "\"2-per-s\";q=2;w=1, \"1000-per-day\";q=1000;w=86400")
        #expect(first.header("RateLimit")?.hasPrefix("\"2-per-s\";r=1;") == true)
        #expect(first.header("X-RateLimit-Remaining") == "1")
        _ = try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": key.secret])
        let limited = try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": key.secret])
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "1")
        #expect(limited.header("X-RateLimit-Remaining") == "0")
        #expect(limited.header("RateLimit")?.contains("\"2-per-s\";r=0") == true)
        #expect(
            limited.header("RateLimit")?.contains("\"1000-per-day\";r=998") == true,
            "the rejected request consumed quota")
        #expect(limited.header("X-Keygate-Reason") == "rate_limited")
        #expect(limited.header("Content-Type") == "application/problem+json")
        #expect(limited.body.contains("\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\""))
        #expect(limited.body.contains("\"violated-policies\":[\"2-per-s\"]"))
        #expect(limited.header("Connection") != "close")
        #expect(!limited.body.contains("upstream:"))
        usleep(1_050_000)
        #expect(try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": key.secret]).status == 200)
        #expect(!nginx.errorLog.contains("unexpected status"))
    }

    @Test func costPerLocationSpendsCredits() throws {
        let key = try Harness.createKey(db: self.db, ["--credits", "12"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        let nginx = try NginxServer(scratch: self.scratch, socketPath: server.socketPath)
        defer { nginx.stop() }
        #expect(try Curl.get(nginx.url("/api/export"), headers: ["X-API-Key": key.secret]).status == 200)  // 12 - 5
        #expect(try Curl.get(nginx.url("/api/export"), headers: ["X-API-Key": key.secret]).status == 200)  // 7 - 5
        let broke = try Curl.get(nginx.url("/api/export"), headers: ["X-API-Key": key.secret])  // 2 < 5: refused
        #expect(broke.status == 429)
        #expect(broke.header("Retry-After") == nil, "credits without refill never come back")
        #expect(try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": key.secret]).status == 200)  // 2 - 1
    }

    @Test func aPlainFastCGIClientGetsAReal429() throws {
        let key = try Harness.createKey(db: self.db, ["--limit", "1/min"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        #expect(try self.ask(server, key.secret).status == 204)
        let limited = try self.ask(server, key.secret)
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "60")
        let nginxStyle = try self.ask(server, key.secret, extra: [("KEYGATE_DENY_STATUS", "403")])
        #expect(nginxStyle.status == 403)
        #expect(nginxStyle.header("X-Keygate-Reason") == "rate_limited")
    }

    @Test func quotaCountsSurviveARestartAndUsageIsRolledUp() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "5/day"])
        var server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        for _ in 0..<3 { #expect(try self.ask(server, key.secret).status == 204) }
        #expect(server.stop() == 0)
        server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 429)
        #expect(server.stop() == 0)
        let usage = try Harness.keygate(["usage", "--db", self.db, key.id, "--json"])
        #expect(usage.status == 0)
        #expect(usage.stdout.contains("\"admitted\":5,\"rejected\":1"), "usage: \(usage.stdout)")
        let shown = try Harness.keygate(["keys", "show", "--db", self.db, key.id, "--json"])
        #expect(
            !shown.stdout.contains("\"last_used_at\":null"), "the supervisor did not record last use: \(shown.stdout)")
    }

    @Test func independentProcessesWithoutASupervisorRollUpUsageOnce() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "4/day"])
        // Two single-process servers on two sockets sharing the database and counters, as mod_fcgid's copies do.
        let first = try KeygateServer(db: self.db, scratch: self.scratch, workers: 0, socketName: "a.sock")
        let second = try KeygateServer(db: self.db, scratch: self.scratch, workers: 0, socketName: "b.sock")
        #expect(try self.ask(first, key.secret).status == 204)
        #expect(try self.ask(second, key.secret).status == 204)
        #expect(try self.ask(first, key.secret).status == 204)
        #expect(try self.ask(second, key.secret).status == 204)
        #expect(try self.ask(first, key.secret).status == 429)
        #expect(first.stop() == 0)
        #expect(second.stop() == 0)
        let usage = try Harness.keygate(["usage", "--db", self.db, key.id, "--json"])
        #expect(usage.stdout.contains("\"admitted\":4,\"rejected\":1"), "usage: \(usage.stdout)")
        // Last-used times are written too, with no supervisor to do it.
        let shown = try Harness.keygate(["keys", "show", "--db", self.db, key.id, "--json"])
        #expect(!shown.stdout.contains("\"last_used_at\":null"), "\(shown.stdout)")
    }

    @Test func aLostCountersFileIsRebuiltForQuotasFromUsageWithoutSnapshots() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "5/day", "--quota", "7/month"])
        var server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        for _ in 0..<3 { #expect(try self.ask(server, key.secret).status == 204) }
        #expect(server.stop() == 0)  // rolls the 3 requests up into usage_daily
        unlink(self.db + ".counters")
        // Without a snapshot of the key's words (as after an upgrade), a rebuild seeds quotas from usage_daily.
        #expect(try Harness.run("/usr/bin/sqlite3", [self.db, "DELETE FROM counter_snapshots"]).status == 0)
        server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1, extra: ["--rebuild-state"])
        defer { server.stop() }
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 204)
        let limited = try self.ask(server, key.secret)
        #expect(limited.status == 429, "the rebuilt file forgot the day's use")
        #expect(limited.header("RateLimit")?.contains("\"7-per-month\";r=2") == true)
    }

    @Test func changingLimitsTakesEffectAtOnceAndKeepsCounts() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "3/day"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        for _ in 0..<3 { #expect(try self.ask(server, key.secret).status == 204) }
        #expect(try self.ask(server, key.secret).status == 429)
        #expect(try Harness.keygate(["keys", "update", "--db", self.db, key.id, "--quota", "4/day"]).status == 0)
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 429)
        // Plans: a key on a plan follows the plan's change at once.
        #expect(try Harness.keygate(["plans", "create", "--db", self.db, "tiny", "--quota", "1/day"]).status == 0)
        let planned = try Harness.createKey(db: self.db, ["--plan", "tiny"])
        #expect(try self.ask(server, planned.secret).status == 204)
        #expect(try self.ask(server, planned.secret).status == 429)
        #expect(try Harness.keygate(["plans", "update", "--db", self.db, "tiny", "--quota", "2/day"]).status == 0)
        #expect(try self.ask(server, planned.secret).status == 204)
        #expect(try self.ask(server, planned.secret).status == 429)
    }

    @Test func severalWorkersHammeringOneKeyAdmitExactlyTheBurst() throws {
        let key = try Harness.createKey(db: self.db, ["--limit", "40/day"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var admitted = 0
            var limited = 0
        }
        let tally = Tally()
        let socketPath = server.socketPath
        let secret = key.secret
        let threads = (0..<4).map { _ in
            Thread {
                for _ in 0..<25 {
                    var status: Int? = nil
                    if let socket = try? FastCGISocket(path: socketPath) {
                        socket.send(
                            FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", secret)])))
                        if case .response(_, let stdout, _, _, _)? = try? socket.answers().first {
                            status = CGIResponse(parsing: stdout)?.status
                        }
                    }
                    tally.lock.lock()
                    if status == 204 { tally.admitted += 1 } else if status == 429 { tally.limited += 1 }
                    tally.lock.unlock()
                }
            }
        }
        threads.forEach { $0.start() }
        while !threads.allSatisfy(\.isFinished) { usleep(10_000) }
        #expect(tally.admitted == 40)
        #expect(tally.limited == 60)
    }

    @Test func aCountersFileOfAnotherSizeIsRefusedUnlessRebuilt() throws {
        _ = try Harness.createKey(db: self.db)
        let counters = self.scratch.file("counters")
        // A counters file of another capacity (`check` records nothing and creates no file, so the hammer makes it).
        let small = try Harness.keygateBench([
            "counters-hammer", "--counters", counters, "--capacity", "8", "--requests", "0",
        ])
        #expect(small.status == 0)
        let refused = try Harness.keygate([
            "serve", "--db", self.db, "--counters", counters, "--listen", "unix:\(self.scratch.file("r.sock"))",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--rebuild-state"))
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1, extra: ["--counters", counters, "--rebuild-state"])
        #expect(server.stop() == 0)
    }

    @Test func keyGuessingIsThrottledPerIPWhileValidKeysPass() throws {
        let key = try Harness.createKey(db: self.db)
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2, extra: ["--ip-limit", "3/min"])
        defer { server.stop() }
        let stranger = try Harness.createKey(db: self.scratch.file("elsewhere.db"))
        let guesses = [
            try self.ask(server, "kg_guess"), try self.ask(server, stranger.secret),
            try self.ask(server, String(stranger.secret.dropLast()) + "x"),
        ]
        #expect(guesses.map(\.status) == [401, 401, 401])
        let throttled = try self.ask(server, stranger.secret)
        #expect(throttled.status == 429)
        #expect(throttled.header("Retry-After") == "20")
        #expect(throttled.header("RateLimit-Policy") == "\"per-ip\";q=3;w=60")
        #expect(try self.ask(server, key.secret).status == 204)
        // Another client address has its own budget.
        #expect(try self.ask(server, "kg_guess", extra: [("REMOTE_ADDR", "127.0.0.2")]).status == 401)
    }

    @Test func aGlobalPerIPLimitAppliesToEveryRequest() throws {
        let key = try Harness.createKey(db: self.db)
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1, extra: ["--global-ip-limit", "2/min"])
        defer { server.stop() }
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 204)
        let limited = try self.ask(server, key.secret)
        #expect(limited.status == 429)
        #expect(limited.header("RateLimit-Policy") == "\"per-ip-all\";q=2;w=60")
    }

    @Test func dryRunExplainsWithoutConsuming() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "2/day"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        for _ in 0..<5 {
            let explained = try self.ask(server, key.secret, extra: [("KEYGATE_DRY_RUN", "1")])
            #expect(explained.status == 204)
            // What would remain after this request, unchanged by the explains before it.
            #expect(explained.header("RateLimit")?.hasPrefix("\"2-per-day\";r=1;") == true)
        }
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret, extra: [("KEYGATE_DRY_RUN", "1")]).status == 429)
        #expect(try self.ask(server, key.secret).status == 429)
    }

    @Test func deniedRequestsNeverConsume() throws {
        let key = try Harness.createKey(db: self.db, ["--quota", "2/day", "--scope", "a"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        for _ in 0..<5 {
            #expect(try self.ask(server, key.secret, extra: [("KEYGATE_SCOPE", "admin")]).status == 403)
        }
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 204)
        #expect(try self.ask(server, key.secret).status == 429)
    }
}
