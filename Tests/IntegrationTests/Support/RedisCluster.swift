import Foundation
import Glibc
import KeygateCluster
import KeygateCore

/// A Redis Cluster of three masters and no replicas on loopback: three ``RedisServer``s with cluster mode on, each
/// with its own directory (and nodes.conf there), bus port and the same password, joined with `redis-cli --cluster
/// create`; stopped by PID with the servers.
final class RedisCluster {
    static let password = "cluster-test-pw"
    let nodes: [RedisServer]

    init() throws {
        // A node cut off for a few seconds in a test must not be failed by the others (no replicas to promote), and
        // the others keep serving their slots whatever happens to it.
        let login = RedisLogin(password: Self.password)
        self.nodes = try (0..<3).map { _ in
            try RedisServer(
                arguments: [
                    "--cluster-enabled", "yes", "--cluster-port", "\(Harness.freePort())", "--requirepass",
                    Self.password, "--masterauth", Self.password, "--cluster-node-timeout", "30000",
                    "--cluster-require-full-coverage", "no",
                ], login: login)
        }
        // The password reaches redis-cli through its environment, not its command line.
        let created = try Harness.run(
            "/usr/bin/redis-cli",
            ["--cluster", "create"] + self.addresses.map(\.description) + ["--cluster-replicas", "0", "--cluster-yes"],
            environment: ["REDISCLI_AUTH": Self.password], timeout: 60)
        guard created.status == 0 else {
            throw HarnessError("redis-cli --cluster create failed: \(created.stdout.suffix(400)) \(created.stderr)")
        }
        let ready = Harness.eventually(timeout: 30) {
            self.nodes.allSatisfy { node in
                let admin = self.admin(node)
                let info = (try? admin.call(["CLUSTER", "INFO"], timeoutMillis: 500))?.text ?? ""
                let map = (try? admin.call(["CLUSTER", "SLOTS"], timeoutMillis: 500)).flatMap {
                    RedisSlotMap(clusterSlots: $0, asked: RedisNodeAddress(host: "127.0.0.1", port: node.port))
                }
                return info.contains("cluster_state:ok") && map?.coversEverySlot == true && map?.masters.count == 3
            }
        }
        guard ready else { throw HarnessError("the cluster did not reach cluster_state:ok on every node") }
    }

    var login: RedisLogin { RedisLogin(password: Self.password) }

    var addresses: [RedisNodeAddress] { self.nodes.map { RedisNodeAddress(host: "127.0.0.1", port: $0.port) } }

    /// A cluster client seeded with the first node only: it learns the others from the slot map.
    func client() -> RedisClusterClient {
        RedisClusterClient(seeds: [self.addresses[0]], login: self.login)
    }

    /// A plain connection to one node, logged in.
    func admin(_ node: RedisServer) -> RedisConnection {
        RedisConnection(host: "127.0.0.1", port: node.port, login: self.login)
    }

    /// The server listening at `address`.
    func node(at address: RedisNodeAddress) -> RedisServer? {
        self.nodes.first { $0.port == address.port }
    }

    /// Key ids (`kid_c<n>`) whose keys live on each master, `count` per master, found by trying n = 0, 1, 2, …
    func keyIDs(perMaster count: Int) -> [[String]] {
        let client = self.client()
        _ = try? client.call(["PING"], key: nil, timeoutMillis: 2_000)
        var found: [[String]] = self.nodes.map { _ in [] }
        for index in 0..<10_000 where found.contains(where: { $0.count < count }) {
            let keyID = "kid_c\(index)"
            guard let master = client.master(for: "{\(keyID)}"),
                let position = self.nodes.firstIndex(where: { $0.port == master.port }), found[position].count < count
            else { continue }
            found[position].append(keyID)
        }
        return found
    }
}
