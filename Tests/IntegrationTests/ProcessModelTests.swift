import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// Supervisor and worker lifecycle: restarts, reloads, graceful stop, inherited sockets, startup errors.
@Suite(.serialized)
final class ProcessModelTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
    }

    /// Sends requests from `clients` threads until `stop` is set; returns (answered, failed).
    final class Load: @unchecked Sendable {
        let socketPath: String
        let secret: String
        private let lock = NSLock()
        private var answered = 0
        private var failed = 0
        private(set) var failures: [String] = []
        private var running = true
        private var threads: [Thread] = []

        init(socketPath: String, secret: String, clients: Int) {
            self.socketPath = socketPath
            self.secret = secret
            for _ in 0..<clients {
                let thread = Thread { self.loop() }
                self.threads.append(thread)
                thread.start()
            }
        }

        private func loop() {
            let request = FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.secret)]))
            // Bounded: at most 200_000 requests per client, and it stops when told.
            for _ in 0..<200_000 {
                self.lock.lock()
                let keepGoing = self.running
                self.lock.unlock()
                if !keepGoing { break }
                var ok = false
                var why = "connect failed"
                if let socket = try? FastCGISocket(path: self.socketPath) {
                    socket.send(request)
                    let answers = try? socket.answers()
                    if case .response(_, let stdout, _, _, _)? = answers?.first {
                        ok = CGIResponse(parsing: stdout)?.status == 204
                        why = String(decoding: stdout.prefix(200), as: UTF8.self)
                    } else {
                        why = "no answer (errno \(errno)): \(String(describing: answers))"
                    }
                }
                self.lock.lock()
                if ok { self.answered += 1 } else { self.failed += 1; self.failures.append(why) }
                self.lock.unlock()
            }
        }

        func stop() -> (answered: Int, failed: Int) {
            self.lock.lock()
            self.running = false
            self.lock.unlock()
            while self.threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
            return (self.answered, self.failed)
        }
    }

    @Test func sigkilledWorkerIsRestartedAndOnlyInFlightRequestsFail() throws {
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        let before = server.workers
        #expect(before.count == 2)
        let clients = 4
        let load = Load(socketPath: server.socketPath, secret: self.key.secret, clients: clients)
        usleep(700_000)
        kill(before[0], SIGKILL)
        #expect(Harness.eventually { server.workers.count == 2 && !server.workers.contains(before[0]) })
        usleep(700_000)
        let (answered, failed) = load.stop()
        #expect(answered > 100)
        // Each client has at most one request in flight, so at most `clients` can be lost with the dead worker.
        #expect(failed <= clients, "lost \(failed) requests")
        #expect(server.log.contains("worker exited; restarting"))
        #expect(server.log.contains("signal 9"))
    }

    @Test func sighupReloadsConfigurationWithoutDroppingRequests() throws {
        let config = self.scratch.file("keygate.conf")
        try "realm = first\n".write(toFile: config, atomically: true, encoding: .utf8)
        // The command line's --workers 2 wins over the file; the realm comes from the file and changes.
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2, extra: ["--config", config])
        defer { server.stop() }
        let before = Set(server.workers)
        let load = Load(socketPath: server.socketPath, secret: self.key.secret, clients: 3)
        usleep(500_000)
        try "realm = second\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(Harness.eventually { server.workers.count == 2 && Set(server.workers).isDisjoint(with: before) })
        usleep(500_000)
        let (answered, failed) = load.stop()
        #expect(answered > 100)
        #expect(failed == 0, "\(load.failures) \(server.log.suffix(3000))")
        #expect(server.log.contains("configuration reloaded"))
        let socket = try FastCGISocket(path: server.socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams()))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            Issue.record("no answer"); return
        }
        #expect(CGIResponse(parsing: stdout)?.header("WWW-Authenticate") == "Bearer realm=\"second\"")
    }

    @Test func adminConnectionsComingAndGoingNeverDisturbWorkers() throws {
        // Regression: a worker that dropped SQLite's -shm lock (by closing a descriptor of that file) let the next
        // connection truncate -shm, and the worker died of SIGBUS.
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        let workers = Set(server.workers)
        let load = Load(socketPath: server.socketPath, secret: self.key.secret, clients: 3)
        for round in 0..<30 {
            #expect(try Harness.keygate(["keys", "list", "--db", self.db]).status == 0)
            if round % 3 == 0 { _ = try Harness.createKey(db: self.db) }
        }
        let (answered, failed) = load.stop()
        #expect(answered > 100)
        #expect(failed == 0, "\(load.failures)")
        #expect(Set(server.workers) == workers, "a worker died: \(server.log.suffix(2000))")
        #expect(!server.log.contains("worker exited"))
    }

    @Test func brokenConfigurationOnReloadKeepsTheRunningOne() throws {
        let config = self.scratch.file("keygate.conf")
        try "workers = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1, extra: ["--config", config])
        defer { server.stop() }
        let before = server.workers
        try "workers = many\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(Harness.eventually { server.log.contains("reload failed") })
        #expect(server.workers == before)
    }

    @Test func sigtermFinishesInFlightRequestsThenStops() throws {
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        let socket = try FastCGISocket(path: server.socketPath)
        let request = FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)]))
        socket.send(Array(request.prefix(40)))
        usleep(200_000)
        kill(server.pid, SIGTERM)
        usleep(300_000)
        #expect(server.process.isRunning, "stopped with a request in flight")
        socket.send(Array(request.dropFirst(40)))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            Issue.record("the in-flight request was dropped")
            return
        }
        #expect(CGIResponse(parsing: stdout)?.status == 204)
        #expect(Harness.eventually { !server.process.isRunning })
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: server.socketPath), "socket file left behind")
    }

    @Test func inheritedListeningSocketFromSpawnFcgi() throws {
        let socketPath = self.scratch.file("spawned.sock")
        // spawn-fcgi binds the socket and execs keygate with it on fd 0, as mod_fcgid does; -n keeps it in front.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/spawn-fcgi")
        process.arguments = ["-n", "-s", socketPath, "-M", "0600", "--", Harness.keygate]
        process.environment = ["KEYGATE_DB": self.db, "PATH": "/usr/bin:/bin"]
        let log = self.scratch.file("spawned.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        #expect(
            Harness.eventually { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("worker ready") == true }
        )
        let socket = try FastCGISocket(path: socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", self.key.secret)])))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            Issue.record("no answer"); return
        }
        #expect(CGIResponse(parsing: stdout)?.status == 204)
        kill(process.processIdentifier, SIGTERM)
        #expect(Harness.eventually { !process.isRunning })
        #expect(process.terminationStatus == 0)
    }

    @Test func loopbackTCPListenerAnswersAndLingersSoTheAnswerSurvives() throws {
        let port = Harness.freePort()
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1, extra: ["--listen", "127.0.0.1:\(port)"])
        defer { server.stop() }
        for _ in 0..<20 {
            // cgi-fcgi sends STDIN after PARAMS; keygate has answered by then. A plain close would reset the
            // connection under the unread STDIN; the lingering close lets cgi-fcgi finish cleanly.
            let result = try Harness.run(
                "/usr/bin/cgi-fcgi", ["-bind", "-connect", "127.0.0.1:\(port)"],
                environment: ["REQUEST_URI": "/x", "HTTP_X_API_KEY": self.key.secret, "CONTENT_LENGTH": "5000"],
                stdin: String(repeating: "x", count: 5000))
            #expect(result.stdout.contains("Status: 204\r\n"))
            #expect(result.status == 0, "cgi-fcgi: \(result.stderr)")
        }
    }

    @Test func startupErrorsAreReportedBeforeServing() throws {
        let missing = try Harness.keygate([
            "serve", "--db", self.scratch.file("nope.db"), "--listen", "unix:\(self.scratch.file("a.sock"))",
        ])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.db"))
        let publicAddress = try Harness.keygate(["serve", "--db", self.db, "--listen", "0.0.0.0:9999"])
        #expect(publicAddress.status != 0)
        #expect(publicAddress.stderr.contains("--allow-non-loopback"))
        let badListen = try Harness.keygate(["serve", "--db", self.db, "--listen", "nowhere"])
        #expect(badListen.status != 0)
        #expect(badListen.stderr.contains("unix:PATH"))
        let noDirectory = try Harness.keygate(["serve", "--db", self.db, "--listen", "unix:/nonexistent-dir/x.sock"])
        #expect(noDirectory.status != 0)
        #expect(noDirectory.stderr.contains("does not exist"))
        let badDuration = try Harness.keygate([
            "serve", "--db", self.db, "--listen", "unix:/tmp/x.sock", "--idle-timeout", "soon",
        ])
        #expect(badDuration.stderr.contains("--idle-timeout"))
    }

    @Test func staleSocketIsReplacedButALiveOneIsNot() throws {
        let path = self.scratch.file("keygate.sock")
        // A socket file nobody listens on: left over by a crash.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(fd)
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        let second = try Harness.keygate(["serve", "--db", self.db, "--listen", "unix:\(path)", "--workers", "1"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("already serving"))
    }
}
