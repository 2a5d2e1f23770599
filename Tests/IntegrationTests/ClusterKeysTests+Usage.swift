import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import KeygatePostgres
import KeygateStore
import Testing

/// Usage from several keygate hosts rolled up into one real PostgreSQL: `keygate usage --db postgresql://…` shows the
/// exact totals over the hosts, per host with `--by-host`, across a host's restart and a host cut off from PostgreSQL.
/// (Nested in ``ClusterKeysTests``: its server, and never at the same time as its timed revocations.)
extension ClusterKeysTests {
    @Suite struct Usage {
        /// A round every 300 ms instead of 10 s (the roll-up into each host's SQLite stays every 10 s).
        static let fastShipping = [UsageShipper.intervalEnvironmentName: "300"]

        /// What one host answered: admitted (200) and rejected (429) requests.
        struct Served: Equatable, CustomStringConvertible {
            var admitted: Int64 = 0
            var rejected: Int64 = 0
            var description: String { "\(self.admitted)/\(self.rejected)" }
        }

        /// Sends `count` checks of `secret` to `host` back to back, adding what it answered to `served`.
        static func serve(_ count: Int, _ secret: String, on host: ClusterHost, into served: inout [String: Served])
            throws
        {
            let client = try ForwardAuthClient(port: host.port)
            for _ in 0..<count {
                let status = client.check(secret).status
                switch status {
                case 200: served[host.name, default: Served()].admitted += 1
                case 429: served[host.name, default: Served()].rejected += 1
                default: Issue.record("host \(host.name) answered \(status)")
                }
            }
        }

        /// `keygate usage --db <store> <kid> --json` (with `--by-host`: per host), summed over days: per host name
        /// ("-" for counts not from a host), or under "" without `--by-host`.
        static func usage(_ store: PostgresStore, _ keyID: String, byHost: Bool) throws -> [String: Served] {
            let result = try Harness.keygate(
                ["usage", "--db", store.url, keyID, "--json"] + (byHost ? ["--by-host"] : []))
            guard result.status == 0 else { throw HarnessError("keygate usage: \(result.stderr)") }
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            var totals: [String: Served] = [:]
            for row in rows {
                let host = byHost ? (row["host"] as? String ?? "-") : ""
                totals[host, default: Served()].admitted += Int64(row["admitted"] as? Int ?? -1)
                totals[host, default: Served()].rejected += Int64(row["rejected"] as? Int ?? -1)
            }
            return totals
        }

        /// Waits (at most 40 s: the hosts roll up into SQLite every 10 s) until PostgreSQL shows `served` per host;
        /// the milliseconds it took, or `nil`.
        static func waitForTotals(_ store: PostgresStore, _ keyID: String, _ served: [String: Served]) -> Int64? {
            let start = monotonicNanos()
            let reached = Harness.eventually(timeout: 40) {
                usleep(200_000)
                return (try? Self.usage(store, keyID, byHost: true)) == served
            }
            return reached ? (monotonicNanos() - start) / 1_000_000 : nil
        }

        @Test func totalsOverThreeHostsAreExactAcrossARestart() throws {
            let store = try ClusterKeysTests.store()
            let key = try Harness.createKey(db: store.url, ["--limit", "20/s"])
            let hosts = try (0..<3).map {
                try ClusterHost(name: "host\($0)", redisPort: nil, keysFrom: store, environment: Self.fastShipping)
            }
            var served: [String: Served] = [:]
            // Uneven, and fast enough on host0 that its 20/s limit rejects some.
            for (host, count) in zip(hosts, [120, 35, 6]) { try Self.serve(count, key.secret, on: host, into: &served) }
            #expect((served["host0"]?.rejected ?? 0) > 0, "host0 answered \(served)")
            let first = Self.waitForTotals(store, key.id, served)
            let reachedTotals = try Self.usage(store, key.id, byHost: true)
            #expect(first != nil, "PostgreSQL shows \(reachedTotals), the hosts served \(served)")
            let sum = served.values.reduce(Served()) {
                Served(admitted: $0.admitted + $1.admitted, rejected: $0.rejected + $1.rejected)
            }
            #expect(try Self.usage(store, key.id, byHost: false) == ["": sum])
            print("3 hosts served \(served) (admitted/rejected); PostgreSQL showed it after \(first ?? -1) ms")

            // A deploy restarts host1: its new agent sends its last 40 days again, absolute totals, so nothing doubles;
            // what it served before stopping (rolled up at shutdown) arrives from the new agent.
            try Self.serve(15, key.secret, on: hosts[1], into: &served)
            try hosts[1].restart()
            try Self.serve(25, key.secret, on: hosts[1], into: &served)
            try Self.serve(10, key.secret, on: hosts[0], into: &served)
            let second = Self.waitForTotals(store, key.id, served)
            let afterRestart = try Self.usage(store, key.id, byHost: true)
            #expect(second != nil, "after host1's restart PostgreSQL shows \(afterRestart), the hosts served \(served)")
            usleep(1_500_000)  // several more rounds: still exact
            #expect(try Self.usage(store, key.id, byHost: true) == served)
            print("after host1 restarted: served \(served); PostgreSQL exact after \(second ?? -1) ms, and 1.5 s later")
        }

        @Test func countsMadeWhilePostgresIsUnreachableArriveAfterwards() throws {
            let store = try ClusterKeysTests.store()
            let key = try Harness.createKey(db: store.url, ["--limit", "1000/s"])  // usage counts keys with limits
            let cut = try ClusterHost(name: "cut", redisPort: nil, keysFrom: store, environment: Self.fastShipping)
            let other = try ClusterHost(name: "other", redisPort: nil, keysFrom: store, environment: Self.fastShipping)
            var served: [String: Served] = [:]
            try Self.serve(10, key.secret, on: cut, into: &served)
            try Self.serve(4, key.secret, on: other, into: &served)
            #expect(Self.waitForTotals(store, key.id, served) != nil)

            cut.relay.cut()
            defer { cut.relay.heal() }
            try Self.serve(30, key.secret, on: cut, into: &served)
            try Self.serve(5, key.secret, on: other, into: &served)
            // Rolled up into the cut host's own file (every 10 s), but not in PostgreSQL while the cut lasts.
            let local = cut.scratch.file("keys.db")
            #expect(
                Harness.eventually(timeout: 25) {
                    let days = try? KeyStore(path: local, create: false).usage(keyID: key.id, sinceDay: nil)
                    return days?.reduce(0) { $0 + $1.admitted } == 40
                }, "the cut host rolled up its 40 requests locally")
            // The other host rolls up on its own 10 s beat: its counts arrive whenever that comes round.
            #expect(
                Harness.eventually(timeout: 25) {
                    (try? Self.usage(store, key.id, byHost: true))?["other"] == served["other"]
                }, "the other host's counts still arrive")
            usleep(1_000_000)
            let during = try Self.usage(store, key.id, byHost: true)
            #expect(
                during["cut"] == Served(admitted: 10), "nothing from the cut host arrives while it is cut: \(during)")
            #expect(during["other"] == served["other"], "the other host's counts still arrive: \(during)")

            cut.relay.heal()
            let healed = monotonicNanos()
            #expect(Self.waitForTotals(store, key.id, served) != nil)
            let afterHeal = (monotonicNanos() - healed) / 1_000_000
            #expect(try Self.usage(store, key.id, byHost: true) == served)
            print(
                "counts made while a host was cut off from PostgreSQL arrived \(afterHeal) ms after the cut healed: \(served)"
            )
        }

        @Test func theStoreKeepsEachHostsLargestTotalAndAddsUpTheHosts() throws {
            let store = try ClusterKeysTests.store()
            let key = try Harness.createKey(db: store.url)
            let shared = try PostgresKeyStore(url: PostgresURL(store.url), create: false)
            func total(_ admitted: Int64, _ rejected: Int64) -> [UsageTotal] {
                [UsageTotal(keyID: key.id, day: "2026-12-01", admitted: admitted, rejected: rejected)]
            }
            try shared.storeHostTotals(host: "a", total(5, 1))
            try shared.storeHostTotals(host: "a", total(3, 2))  // late and out of order: each column keeps the larger
            try shared.storeHostTotals(host: "a", total(5, 2))  // sent again: no change
            try shared.storeHostTotals(host: "b", total(4, 0))
            try shared.addUsage([(key.id, "2026-12-01", 10, 0), (key.id, "2026-11-30", 1, 1)])
            #expect(
                try shared.usage(keyID: key.id, sinceDay: nil) == [
                    UsageDay(day: "2026-11-30", admitted: 1, rejected: 1),
                    UsageDay(day: "2026-12-01", admitted: 19, rejected: 2),
                ])
            #expect(
                try shared.usageByHost(keyID: key.id, sinceDay: "2026-12-01") == [
                    HostUsageDay(host: nil, usage: UsageDay(day: "2026-12-01", admitted: 10, rejected: 0)),
                    HostUsageDay(host: "a", usage: UsageDay(day: "2026-12-01", admitted: 5, rejected: 2)),
                    HostUsageDay(host: "b", usage: UsageDay(day: "2026-12-01", admitted: 4, rejected: 0)),
                ])
            let text = try Harness.keygate(["usage", "--db", store.url, key.id, "--by-host", "--since", "2026-12-01"])
            #expect(text.stdout.contains("HOST") && text.stdout.split(separator: "\n").count == 4, "\(text.stdout)")
            let scratch = try Scratch()
            let sqlite = scratch.file("keys.db")
            let local = try Harness.createKey(db: sqlite)
            let refused = try Harness.keygate(["usage", "--db", sqlite, local.id, "--by-host"])
            #expect(refused.status != 0 && refused.stderr.contains("--by-host"), "\(refused.stderr)")
            #expect(try Harness.keygate(["usage", "--db", sqlite, local.id]).status == 0)

            // A version 1 database made before the table existed gets it (and the admin tables it has) from
            // `keygate init`.
            try shared.connection.execute(script: "DROP TABLE host_usage_daily; UPDATE keygate_schema SET version = 1")
            #expect(try Harness.keygate(["init", "--db", store.url]).status == 0)
            try shared.storeHostTotals(host: "a", total(1, 0))
            #expect(try shared.usageByHost(keyID: key.id, sinceDay: "2026-12-01").count == 2)
        }
    }
}
