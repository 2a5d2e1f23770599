import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// `keygate serve --stuck-worker-timeout`: a worker stopped (SIGSTOP, a debugger) past the bound is killed and
/// replaced; a key whose lease a stopped process holds gets 503 at once, other keys nothing.
extension ProcessModelTests {
    func allowed(_ server: KeygateServer) throws -> Bool {
        try self.answer(server, secret: self.key.secret)?.status == 204
    }

    func answer(_ server: KeygateServer, secret: String) throws -> CGIResponse? {
        let socket = try FastCGISocket(path: server.socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", secret)])))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else { return nil }
        return CGIResponse(parsing: stdout)
    }

    @Test func aKeyWhoseLeaseAStoppedProcessHoldsGets503AtOnceAndTheHolderIsLoggedOnce() throws {
        // Keys take the smallest free slot: self.key has 0, this one 1.
        let limited = try Harness.createKey(db: self.db, ["--credits", "100"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        // Another process sharing the counters file (as mod_fcgid's copies do) stops holding slot 1's lease.
        let holder = try LeasePauseTests.BackgroundHammer(
            [
                "--counters", self.db + ".counters", "--capacity", "65536", "--slot", "1", "--credits", "100",
                "--requests", "1", "--pause-at", "acquired",
            ], outputPath: self.scratch.file("holder.out"))
        defer { kill(holder.pid, SIGKILL); _ = try? holder.reap() }
        #expect(Harness.eventually { holder.state == UInt8(ascii: "T") })
        let start = Date()
        for _ in 0..<50 {
            let answer = try self.answer(server, secret: limited.secret)
            #expect(answer?.status == 503)
            #expect(answer?.header("X-Keygate-Reason") == "limits_unavailable")
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 3, "50 refusals took \(seconds) s: only the first may wait")
        #expect(try self.allowed(server), "a key whose lease is free is unaffected")
        let lines = server.log.split(separator: "\n").filter { $0.contains("lease held by a stuck process") }
        #expect(lines.count == 1, "rate-limited: \(lines)")
        #expect(lines.first?.contains("holder_pid=\(holder.pid) ") == true, "\(lines)")
        kill(holder.pid, SIGCONT)
        #expect(try holder.reap() == 0)
        #expect(try self.answer(server, secret: limited.secret)?.status == 204, "released, the key is served at once")
    }

    static func isStopped(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return ProcessStat(statLine: Array(text.utf8))?.isStopped == true
    }

    @Test func aWorkerStoppedPastTheTimeoutIsKilledAndReplaced() throws {
        // Set in the config file, as any option can be.
        let config = self.scratch.file("stuck.conf")
        try "stuck-worker-timeout = 2s\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2, extra: ["--config", config])
        defer { server.stop() }
        let before = server.workers
        #expect(before.count == 2)
        let stuck = try #require(before.first)
        kill(stuck, SIGSTOP)
        let stoppedAt = Date()
        #expect(Harness.eventually { Self.isStopped(stuck) })
        // Polled once a second: killed between 2 and about 3 s after it stopped, then restarted.
        #expect(Harness.eventually(timeout: 10) { server.workers.count == 2 && !server.workers.contains(stuck) })
        let seconds = Date().timeIntervalSince(stoppedAt)
        #expect(seconds >= 2 && seconds < 6, "killed after \(seconds) s")
        #expect(server.log.contains("worker stopped too long"))
        #expect(server.log.contains("pid=\(stuck) "), "the log line names the pid: \(server.log.suffix(1500))")
        #expect(server.log.contains("worker exited; restarting"))
        #expect(Harness.eventually { server.log.components(separatedBy: "worker ready").count - 1 >= 3 })
        for _ in 0..<20 { #expect(try self.allowed(server)) }
    }

    @Test func offNeverKillsAStoppedWorker() throws {
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 2, extra: ["--stuck-worker-timeout", "off"])
        defer { server.stop() }
        let stuck = try #require(server.workers.first)
        kill(stuck, SIGSTOP)
        defer { kill(stuck, SIGCONT) }
        usleep(3_000_000)
        #expect(server.workers.contains(stuck))
        #expect(Self.isStopped(stuck))
        #expect(!server.log.contains("worker stopped too long"))
    }

    @Test func aMalformedTimeoutIsRefused() throws {
        let result = try Harness.keygate(
            [
                "serve", "--db", self.db, "--listen", "unix:\(self.scratch.file("never.sock"))",
                "--stuck-worker-timeout", "soon",
            ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--stuck-worker-timeout soon"))
    }
}
