import Foundation
import Glibc
import KeygateCore
import KeygatePostgres
import KeygateStore
import Testing

/// Keys from one real PostgreSQL, mirrored by three keygate hosts into their own SQLite files: revocations reach every
/// host in milliseconds, a missed notification is caught up, and a host cut off from PostgreSQL keeps serving and
/// says it is stale (or, strict, refuses).
@Suite(PostgresServer.Scope(), .serialized)
struct ClusterKeysTests {
    /// A new database with keygate's schema, as the hosts' store.
    static func store() throws -> PostgresStore {
        let server = try #require(PostgresServer.current, "no PostgreSQL server for this suite")
        let url = try server.makeDatabase()
        let database = String(url.split(separator: "/").last ?? "")
        let store = PostgresStore(user: server.user, password: server.password, port: server.port, database: database)
        let made = try Harness.keygate(["init", "--db", store.url])
        guard made.status == 0 else { throw HarnessError("keygate init: \(made.stderr)") }
        return store
    }

    static func admin(_ store: PostgresStore) throws -> PostgresConnection {
        try PostgresConnection(url: PostgresURL(store.url))
    }

    /// Waits until `client` answers `status` for `secret`; how long it took in microseconds, or `nil` after
    /// `timeout` seconds.
    static func waitFor(_ status: Int, _ client: ForwardAuthClient, _ secret: String, timeout: Double = 5) -> Int64? {
        let start = monotonicNanos()
        while monotonicNanos() - start < Int64(timeout * 1e9) {
            if client.check(secret).status == status { return (monotonicNanos() - start) / 1_000 }
            usleep(500)
        }
        return nil
    }

    @Test func revocationsReachEveryHostInMilliseconds() throws {
        let store = try Self.store()
        var keys: [(id: String, secret: String)] = []
        for _ in 0..<100 { keys.append(try Harness.createKey(db: store.url)) }
        let hosts = try (0..<3).map { try ClusterHost(name: "host\($0)", redisPort: nil, keysFrom: store) }
        let clients = try hosts.map { try ForwardAuthClient(port: $0.port) }
        for client in clients {
            for key in keys { #expect(client.check(key.secret).status == 200) }
        }
        let admin = try Self.admin(store)
        var latencies: [Int64] = []
        for key in keys {
            // COMMIT (autocommit) is done when the statement returns; from then on every host must deny the key.
            try admin.execute(script: "UPDATE keys SET status = 'revoked', revoked_at = 1 WHERE id = '\(key.id)'")
            let committed = monotonicNanos()
            var pending = Set(clients.indices)
            while !pending.isEmpty && monotonicNanos() - committed < 5_000_000_000 {
                for index in pending where clients[index].check(key.secret).status == 401 {
                    latencies.append((monotonicNanos() - committed) / 1_000)
                    pending.remove(index)
                }
            }
            #expect(pending.isEmpty, "\(key.id) still admitted by \(pending.count) hosts after 5 s")
        }
        latencies.sort()
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[latencies.count * 99 / 100]
        print(
            "100 revocations x 3 hosts, from COMMIT to denial: p50 \(p50 / 1_000) ms, p99 \(p99 / 1_000) ms, "
                + "longest \((latencies.last ?? 0) / 1_000) ms")
        // The figures are measured and reported (p99 50-72 ms on an otherwise quiet 2-core machine); what is asserted
        // is the bound a revocation must keep whatever else the machine runs beside this suite (a browser, builds):
        // denied on every host within a second, the mirror's catch-up period, without waiting for it.
        #expect(latencies.count == 300)
        #expect((latencies.last ?? .max) < 1_000_000, "the slowest revocation took \((latencies.last ?? 0) / 1_000) ms")
    }

    @Test func aMissedNotificationIsCaughtUpAndABadOneIsIgnored() throws {
        let store = try Self.store()
        let key = try Harness.createKey(db: store.url)
        let other = try Harness.createKey(db: store.url)
        let host = try ClusterHost(name: "solo", redisPort: nil, keysFrom: store)
        let client = try ForwardAuthClient(port: host.port)
        #expect(client.check(key.secret).status == 200)
        let admin = try Self.admin(store)
        // Notifications naming a key that does not exist, or nothing at all: read, found to change nothing.
        try admin.execute(script: "NOTIFY kg_keys, 'kid_doesnotexist:999999999'; NOTIFY kg_keys, 'garbage'")
        usleep(300_000)
        #expect(client.check(key.secret).status == 200)
        #expect(host.process.isRunning)
        // The host's connection is cut and the key revoked before it listens again: no notification reaches it, the
        // catch-up by version does.
        try admin.execute(
            script: """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid();
                UPDATE keys SET status = 'revoked', revoked_at = 1 WHERE id = '\(key.id)';
                """)
        let caught = Self.waitFor(401, client, key.secret)
        print("a revocation made while the host's connection was down reached it after \((caught ?? -1) / 1_000) ms")
        #expect(caught != nil && caught! < 5_000_000)
        #expect(client.check(other.secret).status == 200)
        #expect(Harness.eventually(timeout: 5) { host.logText.contains("keys mirrored from PostgreSQL again") })
    }

    @Test func aHostCutOffFromPostgresServesItsMirrorAndSaysItIsStale() throws {
        let store = try Self.store()
        let key = try Harness.createKey(db: store.url)
        let metricsPort = Harness.freePort()
        let lenient = try ClusterHost(
            name: "lenient", redisPort: nil, keysFrom: store,
            extra: ["--max-key-staleness", "2s", "--metrics-listen", "http://127.0.0.1:\(metricsPort)"])
        let strict = try ClusterHost(
            name: "strict", redisPort: nil, keysFrom: store,
            extra: ["--max-key-staleness", "2s", "--strict-key-staleness"])
        let lenientClient = try ForwardAuthClient(port: lenient.port)
        let strictClient = try ForwardAuthClient(port: strict.port)
        func ready() throws -> Int {
            Int(
                try Harness.run(
                    "/usr/bin/curl",
                    ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(metricsPort)/readyz"]
                ).stdout) ?? 0
        }
        #expect(try ready() == 200)
        #expect(lenientClient.check(key.secret).status == 200)
        #expect(strictClient.check(key.secret).status == 200)
        lenient.relay.cut()
        strict.relay.cut()
        defer {
            lenient.relay.heal()
            strict.relay.heal()
        }
        #expect(Harness.eventually(timeout: 10) { (try? ready()) == 503 }, "unready once the keys are 2 s stale")
        #expect(lenientClient.check(key.secret).status == 200, "still serving its mirror")
        #expect(Self.waitFor(500, strictClient, key.secret, timeout: 10) != nil, "strict: every key refused")
        lenient.relay.heal()
        strict.relay.heal()
        #expect(Harness.eventually(timeout: 10) { (try? ready()) == 200 })
        #expect(Self.waitFor(200, strictClient, key.secret, timeout: 10) != nil)
    }

    @Test func aStoreThatCannotBeReachedOrIsNoStoreFailsTheStart() throws {
        let scratch = try Scratch()
        for (url, says) in [
            ("mysql://keygate@127.0.0.1/keygate", "PostgreSQL key store"),
            ("postgresql://keygate@127.0.0.1:\(Harness.freePort())/keygate", "--keys-from"),
        ] {
            let result = try Harness.keygate([
                "serve", "--db", scratch.file("keys.db"), "--listen", "http://127.0.0.1:\(Harness.freePort())",
                "--keys-from", url,
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains(says), "\(result.stderr)")
        }
    }
}
