import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// keygate's leases through a real Redis Cluster of three masters: slots as the cluster computes them, quotas exact and
/// rates within one bucket's bound with keys on every master and hosts racing, a slot migrated under the client (ASK,
/// then MOVED), and a stopped master costing only its own keys' calls, each within its deadline.
@Suite(.serialized)
struct RedisClusterTests {
    /// Grants per key id, from several threads.
    final class Grants: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var byKey: [String: Int64] = [:]
        private(set) var failures: [String] = []
        func add(_ permits: Int64, to keyID: String) { self.lock.withLock { self.byKey[keyID, default: 0] += permits } }
        func fail(_ reason: String) { self.lock.withLock { self.failures.append(reason) } }
    }

    static var nowMicros: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    static func window(_ policy: QuotaPolicy) -> (index: Int64, endSeconds: Int64) {
        (policy.windowIndex(containing: Self.nowMicros), policy.windowEndMicros(containing: Self.nowMicros) / 1_000_000)
    }

    static func millis(_ body: () -> Void) -> Int64 {
        let start = Date()
        body()
        return Int64(Date().timeIntervalSince(start) * 1000)
    }

    /// Every string in a reply, nested arrays included.
    static func texts(in reply: RESPValue) -> [String] {
        if case .array(let items?) = reply { return items.flatMap { Self.texts(in: $0) } }
        return reply.text.map { [$0] } ?? []
    }

    @Test func slotsAreTheClustersAndEveryMasterServesSome() throws {
        let cluster = try RedisCluster()
        let client = cluster.client()
        #expect(try client.call(["PING"], key: nil, timeoutMillis: 2_000) == .simple("PONG"))
        #expect(Set(client.masters) == Set(cluster.addresses))
        let admin = cluster.admin(cluster.nodes[1])
        for index in 0..<300 {
            let key = index.isMultiple(of: 3) ? "keygate:{kid_\(index)}:quota:q:day:\(index)" : "k\(index * 7919)"
            let slot = try admin.call(["CLUSTER", "KEYSLOT", key], timeoutMillis: 2_000).integer
            #expect(slot == Int64(RedisKeySlot.of(key)), "\(key)")
        }
        // Writes through the client land on the master of their slot, wherever they are sent from.
        for (position, keyIDs) in cluster.keyIDs(perMaster: 2).enumerated() {
            for keyID in keyIDs {
                let key = "keygate:{\(keyID)}:probe"
                #expect(try client.call(["SET", key, keyID], key: key, timeoutMillis: 2_000) == .simple("OK"))
                let owner = cluster.admin(cluster.nodes[position])
                #expect(try owner.call(["GET", key], timeoutMillis: 2_000).text == keyID)
            }
        }
    }

    @Test func quotasAreExactWithKeysOnEveryMasterAndHostsRacing() throws {
        let cluster = try RedisCluster()
        let keyIDs = cluster.keyIDs(perMaster: 2).flatMap { $0 }
        try #require(keyIDs.count == 6)
        let policy = QuotaPolicy(limit: 300, window: .day)
        let (index, end) = Self.window(policy)
        let grants = Grants()
        // Each "host" reaches the cluster through its own URL-built client, seeded with another node.
        let file = cluster.nodes[0].scratch.file("password")
        try "\(RedisCluster.password)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let urls = cluster.addresses.map { "redis+cluster://\($0)?password_file=\(file)" }
        DispatchQueue.concurrentPerform(iterations: 4) { host in
            guard let redis = try? RedisEndpoint.parse(urls[host % urls.count]).client() else {
                return grants.fail("no client for \(urls[host % urls.count])")
            }
            let lease = RedisQuotaLease(redis: redis, timeoutMillis: 2_000)
            var open = Set(keyIDs)
            var want = Int64(host + 1)
            for turn in 0..<20_000 where !open.isEmpty {
                let keyID = keyIDs[(turn + host) % keyIDs.count]
                guard open.contains(keyID) else { continue }
                do {
                    switch try lease.lease(
                        keyID: keyID, policy: policy, window: index, windowEndSeconds: end, want: want)
                    {
                    case .granted(let permits, let used, _):
                        if used > policy.limit { grants.fail("\(keyID): used \(used) beyond the quota") }
                        if permits == 0 { open.remove(keyID) }
                        grants.add(permits, to: keyID)
                    case .otherWindow(let other):
                        return grants.fail("window \(other) instead of \(index)")
                    }
                } catch {
                    return grants.fail("\(keyID): \(error)")
                }
                want = want % 23 + 1
            }
            if !open.isEmpty { grants.fail("host \(host) never saw \(open) run out") }
        }
        #expect(grants.failures.isEmpty, "\(grants.failures)")
        for keyID in keyIDs { #expect(grants.byKey[keyID] == policy.limit, "\(keyID)") }
        // The counts are where the cluster keeps them, and the library was loaded on every master.
        for (position, ids) in cluster.keyIDs(perMaster: 2).enumerated() {
            let owner = cluster.admin(cluster.nodes[position])
            for keyID in ids {
                let key = RedisQuotaLease.redisKey(keyID: keyID, policy: policy, window: index)
                #expect(try owner.call(["HGET", key, "u"], timeoutMillis: 2_000).text == "300")
            }
        }
        let libraries = try cluster.client().callEveryMaster(["FUNCTION", "LIST"], timeoutMillis: 2_000)
        #expect(libraries.count == 3)
        #expect(libraries.allSatisfy { Self.texts(in: $0).contains("keygate_quota_lease") })
    }

    @Test func ratesStayWithinOneBucketWithKeysOnEveryMaster() throws {
        let cluster = try RedisCluster()
        let keyIDs = cluster.keyIDs(perMaster: 1).flatMap { $0 }
        try #require(keyIDs.count == 3)
        let policy = RateLimitPolicy(limit: 300, periodMicros: 1_000_000, burst: 30, name: "cluster-race")
        let grants = Grants()
        let (seed, login) = (cluster.addresses[0], cluster.login)
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: 4) { host in
            let lease = RedisRateLease(redis: RedisClusterClient(seeds: [seed], login: login), timeoutMillis: 2_000)
            var want = Int64(host + 1)
            for turn in 0..<200_000 where Date().timeIntervalSince(started) < 1.2 {
                let keyID = keyIDs[(turn + host) % keyIDs.count]
                do {
                    if case .granted(let permits) = try lease.lease(keyID: keyID, policy: policy, want: want) {
                        grants.add(permits, to: keyID)
                    }
                } catch {
                    return grants.fail("\(keyID): \(error)")
                }
                want = want % 7 + 1
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(grants.failures.isEmpty, "\(grants.failures)")
        let bound = Int64(30 + 300 * elapsed) + 1
        for keyID in keyIDs {
            let granted = grants.byKey[keyID] ?? 0
            #expect(granted <= bound, "\(keyID): \(granted) granted in \(elapsed) s, bound \(bound)")
            // Real grants across the span, not a bucket that never refilled.
            #expect(granted >= 30 + Int64(0.25 * 300 * elapsed), "\(keyID): only \(granted) in \(elapsed) s")
        }
    }

    @Test func aMigratedSlotIsFollowedByASKThenMOVED() throws {
        let cluster = try RedisCluster()
        let client = cluster.client()
        let lease = RedisQuotaLease(redis: client, timeoutMillis: 2_000)
        let daily = QuotaPolicy(limit: 1_000, window: .day)
        let other = QuotaPolicy(limit: 1_000, window: .day, name: "other")
        let (index, end) = Self.window(daily)
        let keyID = cluster.keyIDs(perMaster: 1)[0][0]
        let (source, target) = (cluster.nodes[0], cluster.nodes[1])
        let targetAddress = RedisNodeAddress(host: "127.0.0.1", port: target.port)
        #expect(
            try lease.lease(keyID: keyID, policy: daily, window: index, windowEndSeconds: end, want: 10)
                .withoutIncarnation
                == .granted(permits: 10, used: 10, incarnation: ""))
        let slot = RedisKeySlot.of(keyID)
        let (sourceAdmin, targetAdmin) = (cluster.admin(source), cluster.admin(target))
        let sourceID = try #require(try sourceAdmin.call(["CLUSTER", "MYID"], timeoutMillis: 2_000).text)
        let targetID = try #require(try targetAdmin.call(["CLUSTER", "MYID"], timeoutMillis: 2_000).text)
        let importing = ["CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", sourceID]
        #expect(try targetAdmin.call(importing, timeoutMillis: 2_000) == .simple("OK"))
        let migrating = ["CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", targetID]
        #expect(try sourceAdmin.call(migrating, timeoutMillis: 2_000) == .simple("OK"))
        // Mid-migration, a key the source does not have is created on the target: -ASK, ASKING, the call again.
        #expect(
            try lease.lease(keyID: keyID, policy: other, window: index, windowEndSeconds: end, want: 4)
                .withoutIncarnation
                == .granted(permits: 4, used: 4, incarnation: ""))
        let otherKey = RedisQuotaLease.redisKey(keyID: keyID, policy: other, window: index)
        #expect(try targetAdmin.call(["ASKING"], timeoutMillis: 2_000) == .simple("OK"))
        #expect(try targetAdmin.call(["HGET", otherKey, "u"], timeoutMillis: 2_000).text == "4")
        #expect(client.master(for: keyID)?.port == source.port, "an ASK leaves the slot map alone")
        // Move the existing key, then give the slot to the target on every node.
        let key = RedisQuotaLease.redisKey(keyID: keyID, policy: daily, window: index)
        let migrate = [
            "MIGRATE", "127.0.0.1", "\(target.port)", "", "0", "5000", "AUTH", RedisCluster.password, "KEYS", key,
        ]
        #expect(try sourceAdmin.call(migrate, timeoutMillis: 5_000) == .simple("OK"))
        for node in cluster.nodes {
            let assign = ["CLUSTER", "SETSLOT", "\(slot)", "NODE", targetID]
            #expect(try cluster.admin(node).call(assign, timeoutMillis: 2_000) == .simple("OK"))
        }
        // The client still sends the slot to the source, which answers -MOVED: followed, and the map patched.
        #expect(
            try lease.lease(keyID: keyID, policy: daily, window: index, windowEndSeconds: end, want: 5)
                .withoutIncarnation
                == .granted(permits: 5, used: 15, incarnation: ""))
        #expect(client.master(for: keyID) == targetAddress)
        // The map read again (or the patched one, within a second of the last read) agrees; both keys count on from
        // where they were.
        #expect(
            try lease.lease(keyID: keyID, policy: daily, window: index, windowEndSeconds: end, want: 5)
                .withoutIncarnation
                == .granted(permits: 5, used: 20, incarnation: ""))
        #expect(
            try lease.lease(keyID: keyID, policy: other, window: index, windowEndSeconds: end, want: 4)
                .withoutIncarnation
                == .granted(permits: 4, used: 8, incarnation: ""))
        #expect(client.master(for: keyID) == targetAddress)
        #expect(try sourceAdmin.call(["EXISTS", key], timeoutMillis: 2_000) != .integer(1))
    }

    @Test func aStoppedMasterCostsItsOwnKeysTheDeadlineAndNothingMore() throws {
        let cluster = try RedisCluster()
        let keyIDs = cluster.keyIDs(perMaster: 1).map { $0[0] }
        let policy = QuotaPolicy(limit: 1_000_000, window: .day)
        let (index, end) = Self.window(policy)
        let client = cluster.client()
        let patient = RedisQuotaLease(redis: client, timeoutMillis: 2_000)
        let hasty = RedisQuotaLease(redis: client, timeoutMillis: 150)
        for keyID in keyIDs {
            _ = try patient.lease(keyID: keyID, policy: policy, window: index, windowEndSeconds: end, want: 1)
        }
        let stopped = cluster.nodes[0]
        kill(stopped.pid, SIGSTOP)
        defer { kill(stopped.pid, SIGCONT) }
        for attempt in 0..<2 {
            var failure: RedisLeaseError?
            let waited = Self.millis {
                do {
                    _ = try hasty.lease(keyID: keyIDs[0], policy: policy, window: index, windowEndSeconds: end, want: 1)
                } catch let error as RedisLeaseError {
                    failure = error
                } catch {}
            }
            guard case .connection(.timedOut(_, let endpoint)) = failure else {
                throw HarnessError("attempt \(attempt): no timeout but \(String(describing: failure))")
            }
            #expect(endpoint == "127.0.0.1:\(stopped.port)")
            #expect(waited >= 145 && waited < 650, "attempt \(attempt) waited \(waited) ms for a 150 ms deadline")
            // Keys on the other masters are served meanwhile, within the same short deadline.
            for keyID in keyIDs.dropFirst() {
                for _ in 0..<10 {
                    let grant = try hasty.lease(
                        keyID: keyID, policy: policy, window: index, windowEndSeconds: end, want: 1)
                    guard case .granted(1, _, _) = grant else { throw HarnessError("\(keyID): \(grant)") }
                }
            }
        }
        // A new client seeded with the stopped node first reads the slot map from the next seed within one call's
        // deadline: the stalled seed gets only its share of the time.
        let stoppedAddress = RedisNodeAddress(host: "127.0.0.1", port: stopped.port)
        let reseeded = RedisClusterClient(seeds: [stoppedAddress, cluster.addresses[1]], login: cluster.login)
        var grant: RedisQuotaLease.Grant?
        let waited = Self.millis {
            grant = try? RedisQuotaLease(redis: reseeded, timeoutMillis: 400)
                .lease(keyID: keyIDs[1], policy: policy, window: index, windowEndSeconds: end, want: 1)
        }
        guard case .granted(1, _, _) = grant else {
            throw HarnessError("through the second seed: \(String(describing: grant))")
        }
        // (Deadlines are whole milliseconds: the share may end a fraction of one early.)
        #expect(waited >= 195 && waited < 400, "waited \(waited) ms: half of 400 ms for the stalled seed, then served")
        #expect(Set(reseeded.masters) == Set(cluster.addresses))
        kill(stopped.pid, SIGCONT)
        // A lease that timed out may still be carried out once the master runs again (it was in its socket): those
        // permits are stranded, never spent twice, so the count is at least 2 here.
        #expect(
            Harness.eventually(timeout: 5) {
                let grant = try? patient.lease(
                    keyID: keyIDs[0], policy: policy, window: index, windowEndSeconds: end, want: 1)
                guard case .granted(1, let used, _) = grant else { return false }
                return used >= 2
            })
    }
}
