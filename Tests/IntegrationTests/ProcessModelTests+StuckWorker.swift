import Foundation
import Glibc
import KeygateCore
import Testing

/// `keygate serve --stuck-worker-timeout`: a worker stopped (SIGSTOP, a debugger) past the bound is killed and replaced.
extension ProcessModelTests {
    func allowed(_ server: KeygateServer) throws -> Bool {
        let socket = try FastCGISocket(path: server.socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)])))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else { return false }
        return CGIResponse(parsing: stdout)?.status == 204
    }

    static func isStopped(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return ProcessStat(statLine: Array(text.utf8))?.isStopped == true
    }

    @Test func aWorkerStoppedPastTheTimeoutIsKilledAndReplaced() throws {
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 2, extra: ["--stuck-worker-timeout", "2s"])
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
            ["serve", "--db", self.db, "--listen", "unix:\(self.scratch.file("never.sock"))",
             "--stuck-worker-timeout", "soon"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--stuck-worker-timeout soon"))
    }
}
