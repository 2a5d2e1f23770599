import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import KeygatePostgres
import Testing

/// PostgreSQL itself stopped (SIGSTOP on the postmaster and every backend) for 5 s while a writer keeps changing keys:
/// the hosts answer from their mirrors at full speed, lease from Redis as before, turn unready past the staleness, and
/// agree with PostgreSQL again soon after it resumes.
extension ClusterKeysTests {
    /// How long PostgreSQL stays stopped.
    static let stoppedSeconds = 5.0

    /// A writer changing keys in PostgreSQL through the CLI on a thread of its own, one change at a time: it creates a
    /// key, revokes a key, and so on, until told to finish (bounded by `maxChanges` and 60 s).
    final class KeyWriter: @unchecked Sendable {
        /// One change the writer made (or tried): which key, whether it revoked it, and when it ran.
        struct Change {
            var id: String
            var secret: String?
            var revoking: Bool
            var startNanos: Int64
            var endNanos: Int64
            var failure: String?
        }

        /// The store's URL, waiting up to 30 s to connect, so that a write started while PostgreSQL is stopped
        /// waits for it rather than fails.
        let url: String
        private let lock = NSLock()
        private var made: [Change] = []
        private var victims: [String]
        private var finishing = false
        private let finished = DispatchSemaphore(value: 0)
        static let maxChanges = 200

        init(url: String, victims: [String]) {
            self.url = url + "?connect_timeout=30"
            self.victims = victims
        }

        var changes: [Change] {
            self.lock.lock()
            defer { self.lock.unlock() }
            return self.made
        }

        func start() {
            Thread { self.loop() }.start()
        }

        /// Asks the writer to stop after its current change; whether it did within `timeout` seconds.
        func finish(timeout: Double = 60) -> Bool {
            self.lock.lock()
            self.finishing = true
            self.lock.unlock()
            return self.finished.wait(timeout: .now() + timeout) == .success
        }

        private func loop() {
            defer { self.finished.signal() }
            let began = monotonicNanos()
            for index in 0..<Self.maxChanges where monotonicNanos() - began < 60_000_000_000 {
                self.lock.lock()
                let stopping = self.finishing
                // Every other change revokes: alternately a key made before the writer began, and one it made.
                let target: String? =
                    index % 2 == 0
                    ? nil
                    : (index % 4 == 1
                        ? self.victims.popLast() : self.made.last { !$0.revoking && $0.failure == nil }?.id)
                self.lock.unlock()
                if stopping { return }
                let start = monotonicNanos()
                var change = Change(id: "", secret: nil, revoking: target != nil, startNanos: start, endNanos: 0)
                do {
                    if let target {
                        change.id = target
                        let result = try Harness.keygate(["keys", "revoke", "--db", self.url, target])
                        if result.status != 0 { change.failure = "keys revoke: \(result.stderr)" }
                    } else {
                        let key = try Harness.createKey(db: self.url)
                        (change.id, change.secret) = (key.id, key.secret)
                    }
                } catch {
                    change.failure = "\(error)"
                }
                change.endNanos = monotonicNanos()
                self.lock.lock()
                self.made.append(change)
                self.lock.unlock()
                usleep(100_000)
            }
        }
    }

    /// Stops every process of `server` (the postmaster first, so that it forks no more, then every process below it);
    /// the pids stopped.
    static func pausing(_ server: PostgresServer) -> [pid_t] {
        var stopped = [server.pid]
        kill(server.pid, SIGSTOP)
        for _ in 0..<10 {
            let more = Harness.descendants(of: server.pid).filter { !stopped.contains($0) }
            if more.isEmpty { break }
            for pid in more { kill(pid, SIGSTOP) }
            stopped += more
        }
        return stopped
    }

    /// What `/readyz` on `port` answers (0: no answer within 2 s).
    static func readiness(_ port: UInt16) -> Int {
        let result = try? Harness.run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", "http://127.0.0.1:\(port)/readyz"])
        return Int(result?.stdout ?? "") ?? 0
    }

    /// The value of the metric `name` (without labels) in `/metrics` on `port`, or `nil`.
    static func metric(_ name: String, port: UInt16) -> Int64? {
        let result = try? Harness.run(
            "/usr/bin/curl", ["-s", "--max-time", "2", "http://127.0.0.1:\(port)/metrics"])
        let line = result?.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int64($0.split(separator: " ")[1]) }
    }

    @Test func postgresStoppedWhileKeysChangeStallsOnlyTheMirror() throws {
        let server = try #require(PostgresServer.current, "no PostgreSQL server for this suite")
        let store = try Self.store()
        let redis = try RedisServer()
        defer { redis.stop() }
        // Witnesses, never changed: valid ones, revoked ones, and one with a rate limit leased from Redis.
        let valid = try (0..<4).map { _ in try Harness.createKey(db: store.url) }
        let limited = try Harness.createKey(db: store.url, ["--limit", "1000/s"])
        let revoked = try (0..<2).map { _ in try Harness.createKey(db: store.url) }
        for key in revoked {
            let result = try Harness.keygate(["keys", "revoke", "--db", store.url, key.id])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let victims = try (0..<8).map { _ in try Harness.createKey(db: store.url) }
        let metricsPorts = (0..<3).map { _ in Harness.freePort() }
        let hosts = try metricsPorts.enumerated().map { index, port in
            try ClusterHost(
                name: "host\(index)", redisPort: redis.port, keysFrom: store, workers: 1, maxNodes: 4,
                extra: ["--max-key-staleness", "2s", "--metrics-listen", "http://127.0.0.1:\(port)"])
        }
        let strict = try ClusterHost(
            name: "strict", redisPort: redis.port, keysFrom: store, workers: 1, maxNodes: 4,
            extra: ["--max-key-staleness", "2s", "--strict-key-staleness"])
        let clients = try hosts.map { try ForwardAuthClient(port: $0.port) }
        let strictClient = try ForwardAuthClient(port: strict.port)
        for client in clients + [strictClient] {
            for key in valid + victims + [limited] {
                #expect(Self.waitFor(200, client, key.secret) != nil, "\(key.id)")
            }
            for key in revoked { #expect(Self.waitFor(401, client, key.secret) != nil, "\(key.id)") }
        }
        #expect(metricsPorts.allSatisfy { Self.readiness($0) == 200 })

        let writer = KeyWriter(url: store.url, victims: victims.map(\.id))
        writer.start()
        var writerFinished = false
        defer { if !writerFinished { _ = writer.finish() } }
        usleep(1_500_000)  // changes before the stop

        let leasedBefore = metricsPorts.map { Self.metric("keygate_cluster_permits_leased_total", port: $0) ?? -1 }
        let stoppedPids = Self.pausing(server)
        let stopNanos = monotonicNanos()
        var resumed = false
        func resume() {
            guard !resumed else { return }
            resumed = true
            for pid in stoppedPids { kill(pid, SIGCONT) }
        }
        defer { resume() }  // the server is the suite's: resumed even when an expectation traps

        // While stopped: every host answers from its mirror, at once; /readyz turns 503 past the staleness; the strict
        // host refuses; leases from Redis go on.
        var latencies: [Int64] = []
        var wrong: [String] = []
        var unreadyMillis: [Int64?] = Array(repeating: nil, count: hosts.count)
        var strictRefusedMillis: Int64?
        var lastReadinessPoll: Int64 = 0
        var (limitedAdmitted, limitedRefused) = (0, 0)
        while monotonicNanos() - stopNanos < Int64(Self.stoppedSeconds * 1e9) - 700_000_000 {
            for (index, client) in clients.enumerated() {
                for (key, status) in valid.map({ ($0, 200) }) + revoked.map({ ($0, 401) }) {
                    let answer = client.check(key.secret)
                    latencies.append(answer.micros)
                    if answer.status != status { wrong.append("host\(index) \(key.id): \(answer.status)") }
                }
                // The limited key spends permits leased from Redis; 429 when the agent's lease came later than the
                // 2 ms slow path (the agent's thread not scheduled in time on this shared machine).
                let answer = client.check(limited.secret)
                latencies.append(answer.micros)
                switch answer.status {
                case 200: limitedAdmitted += 1
                case 429: limitedRefused += 1
                default: wrong.append("host\(index) \(limited.id) (limited): \(answer.status)")
                }
            }
            let sinceStopMillis = (monotonicNanos() - stopNanos) / 1_000_000
            if strictRefusedMillis == nil && strictClient.check(valid[0].secret).status == 500 {
                strictRefusedMillis = sinceStopMillis
            }
            if sinceStopMillis - lastReadinessPoll >= 200 {
                lastReadinessPoll = sinceStopMillis
                for (index, port) in metricsPorts.enumerated() where unreadyMillis[index] == nil {
                    if Self.readiness(port) == 503 { unreadyMillis[index] = (monotonicNanos() - stopNanos) / 1_000_000 }
                }
            }
        }
        let leasedDuring = metricsPorts.map { Self.metric("keygate_cluster_permits_leased_total", port: $0) ?? -1 }
        let redisReachable = metricsPorts.map { Self.metric("keygate_cluster_redis_reachable", port: $0) ?? -1 }
        // A host stopped while its mirror waits on the stopped server still stops.
        let stopStarted = monotonicNanos()
        strict.stop()
        let strictStopMillis = (monotonicNanos() - stopStarted) / 1_000_000
        while monotonicNanos() - stopNanos < Int64(Self.stoppedSeconds * 1e9) { usleep(10_000) }
        let stoppedMillis = (monotonicNanos() - stopNanos) / 1_000_000
        resume()
        let resumeNanos = monotonicNanos()

        latencies.sort()
        let p99 = latencies.isEmpty ? -1 : latencies[latencies.count * 99 / 100]
        let longest = latencies.last ?? -1
        let unready = unreadyMillis.map { $0.map(String.init) ?? "never" }
        let leasedWhileStopped = zip(leasedBefore, leasedDuring).map { $1 - $0 }
        print(
            "PostgreSQL stopped (\(stoppedPids.count) processes) for \(stoppedMillis) ms: \(latencies.count) answers "
                + "from 3 hosts' mirrors (the limited key \(limitedAdmitted) admitted, \(limitedRefused) 429), p99 \(p99) µs, longest \(longest) µs, \(wrong.count) wrong; /readyz 503 after "
                + "\(unready) ms; strict host refused after \(strictRefusedMillis.map(String.init) ?? "never") ms and "
                + "stopped in \(strictStopMillis) ms; permits leased from Redis during the stop per host "
                + "\(leasedWhileStopped)")
        #expect(stoppedPids.count >= 5, "the postmaster, its helpers and the hosts' backends")
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(p99 < 10_000)
        #expect(longest < 250_000)
        for millis in unreadyMillis {
            #expect(millis != nil, "every host unready while PostgreSQL is stopped")
            #expect((millis ?? 0) >= 1_000, "not before the staleness (2 s, the last read up to 1 s before the stop)")
        }
        #expect(strictRefusedMillis != nil && strictRefusedMillis! >= 1_000)
        #expect(strictStopMillis < 10_000)
        #expect(strict.logText.contains("cluster agent stopped"))
        for (before, during) in zip(leasedBefore, leasedDuring) {
            #expect(before >= 0 && during > before, "leases from Redis go on while the mirror is stalled")
        }
        #expect(redisReachable.allSatisfy { $0 == 1 })
        #expect(limitedAdmitted > 0)

        // After: ready again, the writes that waited go through, the writer goes on, and then every host agrees with
        // PostgreSQL on every key.
        var readyAgainMillis: [Int64?] = Array(repeating: nil, count: hosts.count)
        while readyAgainMillis.contains(where: { $0 == nil }) && monotonicNanos() - resumeNanos < 10_000_000_000 {
            for (index, port) in metricsPorts.enumerated() where readyAgainMillis[index] == nil {
                if Self.readiness(port) == 200 {
                    readyAgainMillis[index] = (monotonicNanos() - resumeNanos) / 1_000_000
                }
            }
            usleep(20_000)
        }
        usleep(2_000_000)  // changes after the stop
        writerFinished = true
        #expect(writer.finish(), "the writer finished within 60 s")
        let changes = writer.changes
        let failures = changes.compactMap(\.failure)
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        let before = changes.filter { $0.endNanos < stopNanos }
        let waited = changes.filter { $0.startNanos < resumeNanos && $0.endNanos > resumeNanos }
        let after = changes.filter { $0.startNanos > resumeNanos }
        #expect(!before.isEmpty && !waited.isEmpty && !after.isEmpty)
        let lastWrite = changes.map(\.endNanos).max() ?? 0

        let admin = try Self.admin(store)
        var truth: [String: String] = [:]
        for row in try admin.query("SELECT id, status FROM keys").rows { truth[row.text(at: 0)] = row.text(at: 1) }
        // PostgreSQL holds what the writer did.
        let revokedByWriter = Set(changes.filter { $0.revoking && $0.failure == nil }.map(\.id))
        for change in changes where change.failure == nil {
            #expect(truth[change.id] == (revokedByWriter.contains(change.id) ? "revoked" : "active"), "\(change.id)")
        }
        let secrets =
            (valid + revoked + victims).map { ($0.id, $0.secret) }
            + changes.compactMap { change in change.secret.map { (change.id, $0) } }
        var disagreeing: [String] = []
        var agreedMillis: Int64?
        while monotonicNanos() - lastWrite < 10_000_000_000 {
            disagreeing = []
            for (index, client) in clients.enumerated() {
                for (id, secret) in secrets {
                    let expected = truth[id] == "active" ? 200 : 401
                    let status = client.check(secret).status
                    if status != expected { disagreeing.append("host\(index) \(id): \(status), not \(expected)") }
                }
            }
            if disagreeing.isEmpty {
                agreedMillis = (monotonicNanos() - lastWrite) / 1_000_000
                break
            }
            usleep(20_000)
        }
        let waitedMillis = waited.map { ($0.endNanos - $0.startNanos) / 1_000_000 }
        let readyAgain = readyAgainMillis.map { $0.map(String.init) ?? "never" }
        print(
            "writer: \(before.count) changes before the stop, \(waited.count) waited \(waitedMillis) ms for SIGCONT, "
                + "\(after.count) after; /readyz 200 again \(readyAgain) ms after SIGCONT; all \(secrets.count) keys "
                + "on 3 hosts equal PostgreSQL's \(agreedMillis.map(String.init) ?? "never") ms after the last write")
        #expect(readyAgainMillis.allSatisfy { $0 != nil && $0! < 5_000 })
        #expect(disagreeing.isEmpty, "\(disagreeing.prefix(5))")
        #expect(agreedMillis != nil && agreedMillis! < 5_000)
        #expect(truth.values.filter { $0 == "revoked" }.count >= 4)
    }
}

extension ClusterKeysTests {
    /// The server processes serving a host's key mirror of this database (the usage shipper has a connection too).
    static func mirrorBackends(_ admin: PostgresConnection) throws -> [pid_t] {
        try admin.query(
            """
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = '\(KeyMirror.applicationName)'
            """
        ).rows.map { pid_t($0.int64(at: 0)) }
    }

    @Test func aMirrorWhoseBackendStopsAnsweringReconnects() throws {
        let store = try Self.store()
        let key = try Harness.createKey(db: store.url)
        let metricsPort = Harness.freePort()
        let host = try ClusterHost(
            name: "solo", redisPort: nil, keysFrom: store,
            extra: ["--max-key-staleness", "2s", "--metrics-listen", "http://127.0.0.1:\(metricsPort)"])
        let client = try ForwardAuthClient(port: host.port)
        #expect(client.check(key.secret).status == 200)
        let admin = try Self.admin(store)
        var backends: [pid_t] = []
        #expect(
            Harness.eventually(timeout: 10) {
                backends = (try? Self.mirrorBackends(admin)) ?? []; return backends.count == 1
            })
        // Only the mirror's own backend stops (as a connection whose path black-holes would): the server answers
        // everyone else, so a mirror with a deadline on its round trips reconnects and goes on.
        let backend = try #require(backends.first)
        kill(backend, SIGSTOP)
        defer { kill(backend, SIGCONT) }
        let stalled = monotonicNanos()
        usleep(1_500_000)  // the mirror's next read (once a second) goes to the stopped backend
        try admin.execute(script: "UPDATE keys SET status = 'revoked', revoked_at = 1 WHERE id = '\(key.id)'")
        let caught = Self.waitFor(401, client, key.secret, timeout: 15)
        let readyAgain = Harness.eventually(timeout: 10) { Self.readiness(metricsPort) == 200 }
        let readyMillis = (monotonicNanos() - stalled) / 1_000_000
        print(
            "the mirror's backend stopped: a revocation reached the host after \(caught.map { "\($0 / 1_000)" } ?? "never") ms, "
                + "/readyz 200 again \(readyMillis) ms after the stop")
        #expect(caught != nil, "the mirror gave up on its stalled connection and caught up through a new one")
        #expect(readyAgain)
        #expect(Harness.eventually(timeout: 5) { host.logText.contains("keys mirrored from PostgreSQL again") })
    }
}
