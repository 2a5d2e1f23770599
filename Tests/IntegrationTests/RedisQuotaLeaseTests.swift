import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// Quota leases against a real redis-server: never more granted than the quota, hosts racing included; windows from
/// Redis's clock; unspent permits given back to their own window only; the library reloaded when Redis lost it.
@Suite(.serialized)
struct RedisQuotaLeaseTests {
    static let daily = QuotaPolicy(limit: 1_000, window: .day)

    static func lease(_ redis: RedisServer) -> RedisQuotaLease {
        RedisQuotaLease(connection: RedisConnection(host: "127.0.0.1", port: redis.port), timeoutMillis: 2_000)
    }

    static var nowMicros: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    /// The window of `policy` now and its end, in seconds.
    static func window(_ policy: QuotaPolicy) -> (index: Int64, endSeconds: Int64) {
        (policy.windowIndex(containing: Self.nowMicros), policy.windowEndMicros(containing: Self.nowMicros) / 1_000_000)
    }

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var granted: Int64 = 0
        private(set) var failures: [String] = []
        func add(_ permits: Int64) { self.lock.withLock { self.granted += permits } }
        func fail(_ reason: String) { self.lock.withLock { self.failures.append(reason) } }
    }

    @Test func hostsRacingForAQuotaAreGrantedExactlyIt() throws {
        let redis = try RedisServer()
        let tally = Tally()
        let (index, end) = Self.window(Self.daily)
        let port = redis.port
        // Four "hosts", each with its own connection, lease chunks of 1-37 permits until Redis grants none.
        DispatchQueue.concurrentPerform(iterations: 4) { host in
            let lease = RedisQuotaLease(
                connection: RedisConnection(host: "127.0.0.1", port: port), timeoutMillis: 2_000)
            var want = Int64(host + 1)
            for _ in 0..<2_000 {
                do {
                    switch try lease.lease(
                        keyID: "kid_race", policy: Self.daily, window: index, windowEndSeconds: end, want: want)
                    {
                    case .granted(let permits, let used, _):
                        guard used <= 1_000 else { return tally.fail("used \(used) beyond the quota") }
                        if permits == 0 { return }
                        tally.add(permits)
                    case .otherWindow(let other):
                        return tally.fail("window \(other) instead of \(index)")
                    }
                } catch {
                    return tally.fail("\(error)")
                }
                want = want % 37 + 1
            }
            tally.fail("host \(host) never saw the quota run out")
        }
        #expect(tally.failures.isEmpty, "\(tally.failures)")
        #expect(tally.granted == 1_000)
        let key = RedisQuotaLease.redisKey(keyID: "kid_race", policy: Self.daily, window: index)
        let check = RedisConnection(host: "127.0.0.1", port: redis.port)
        #expect(try check.call(["HGET", key, "u"], timeoutMillis: 1_000).text == "1000")
        // The key outlives its window by a day, and no longer.
        let ttl = try #require(try check.call(["TTL", key], timeoutMillis: 1_000).integer)
        #expect(ttl > 86_400 && ttl <= 2 * 86_400 + 5)
    }

    @Test func theWindowIsRedissAndAnotherOneIsRefused() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        for policy in [Self.daily, QuotaPolicy(limit: 50, window: .month)] {
            let (index, end) = Self.window(policy)
            #expect(
                try lease.lease(keyID: "kid_w", policy: policy, window: index + 1, windowEndSeconds: end, want: 5)
                    == .otherWindow(index: index))
            #expect(
                try lease.lease(keyID: "kid_w", policy: policy, window: index, windowEndSeconds: end, want: 5)
                    .withoutIncarnation
                    == .granted(permits: 5, used: 5, incarnation: ""))
        }
    }

    @Test func unspentPermitsGoBackToTheirWindowOnly() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let (index, end) = Self.window(Self.daily)
        #expect(
            try lease.lease(keyID: "kid_r", policy: Self.daily, window: index, windowEndSeconds: end, want: 990)
                .withoutIncarnation
                == .granted(permits: 990, used: 990, incarnation: ""))
        #expect(try lease.giveBack(keyID: "kid_r", policy: Self.daily, window: index, count: 40) == 40)
        #expect(
            try lease.lease(keyID: "kid_r", policy: Self.daily, window: index, windowEndSeconds: end, want: 100)
                .withoutIncarnation
                == .granted(permits: 50, used: 1_000, incarnation: ""))
        // Never below zero, and nothing goes to a window whose key is gone (or never was).
        #expect(try lease.giveBack(keyID: "kid_r", policy: Self.daily, window: index, count: 5_000) == 1_000)
        #expect(try lease.giveBack(keyID: "kid_r", policy: Self.daily, window: index - 1, count: 10) == 0)
    }

    @Test func aLostLibraryIsLoadedAgainAndAKeyOfAnotherTypeIsARefusal() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        let (index, end) = Self.window(Self.daily)
        #expect(
            try lease.lease(keyID: "kid_f", policy: Self.daily, window: index, windowEndSeconds: end, want: 3)
                .withoutIncarnation
                == .granted(permits: 3, used: 3, incarnation: ""))
        #expect(try admin.call(["FUNCTION", "FLUSH"], timeoutMillis: 1_000) == .simple("OK"))
        #expect(
            try lease.lease(keyID: "kid_f", policy: Self.daily, window: index, windowEndSeconds: end, want: 3)
                .withoutIncarnation
                == .granted(permits: 3, used: 6, incarnation: ""))
        let key = RedisQuotaLease.redisKey(keyID: "kid_list", policy: Self.daily, window: index)
        #expect(try admin.call(["LPUSH", key, "x"], timeoutMillis: 1_000) == .integer(1))
        #expect {
            try lease.lease(keyID: "kid_list", policy: Self.daily, window: index, windowEndSeconds: end, want: 1)
        } throws: { error in
            guard case .redis(let message) = error as? RedisQuotaLease.LeaseError else { return false }
            return message.contains("WRONGTYPE")
        }
    }

    /// One lease of `want` from a new connection (as another host would), with `checkpoint`.
    static func lease(
        _ redis: RedisServer, keyID: String, _ want: Int64, checkpoint: RedisQuotaLease.Checkpoint? = nil
    ) throws -> (permits: Int64, checkpoint: RedisQuotaLease.Checkpoint) {
        let (index, end) = Self.window(Self.daily)
        let grant = try Self.lease(redis).lease(
            keyID: keyID, policy: Self.daily, window: index, windowEndSeconds: end, want: want, checkpoint: checkpoint)
        guard case .granted(let permits, let used, let incarnation) = grant else {
            throw HarnessError("no grant: \(grant)")
        }
        return (permits, .init(used: used, incarnation: incarnation))
    }

    @Test func checkpointsCountWhatRedisLostAndKeepWhatWasGrantedSince() throws {
        let redis = try RedisServer()
        // Two hosts lease 300 and 400 before Redis restarts empty: their checkpoints read 300 and 700.
        let first = try Self.lease(redis, keyID: "kid_seed", 300).checkpoint
        let second = try Self.lease(redis, keyID: "kid_seed", 400).checkpoint
        #expect(first.used == 300 && second.used == 700 && first.incarnation == second.incarnation)
        try redis.restart()
        #expect(RedisServer.answers(port: redis.port))
        // A third host, with no checkpoint, leases first: 50 of a count made again (another incarnation).
        let third = try Self.lease(redis, keyID: "kid_seed", 50).checkpoint
        #expect(third.used == 50 && third.incarnation != first.incarnation)
        // The first checkpoint counts its 300, and the 50 granted since stay counted.
        #expect(try Self.lease(redis, keyID: "kid_seed", 10, checkpoint: first).checkpoint.used == 360)
        // The second raises the count by what it adds to the first (400), not to 700: that would forget 60 granted.
        #expect(try Self.lease(redis, keyID: "kid_seed", 10, checkpoint: second).checkpoint.used == 770)
        // A checkpoint applied before, or one below those, changes nothing.
        #expect(try Self.lease(redis, keyID: "kid_seed", 10, checkpoint: second).checkpoint.used == 780)
        #expect(try Self.lease(redis, keyID: "kid_seed", 10, checkpoint: first).checkpoint.used == 790)
        #expect(try Self.lease(redis, keyID: "kid_seed", 1_000).permits == 210)
    }

    @Test func aCountRedisKeptAcrossItsRestartIsLeftAlone() throws {
        let redis = try RedisServer()
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        let (index, _) = Self.window(Self.daily)
        _ = try Self.lease(redis, keyID: "kid_kept", 300)
        let checkpoint = try Self.lease(redis, keyID: "kid_kept", 400).checkpoint
        #expect(try Self.lease(redis).giveBack(keyID: "kid_kept", policy: Self.daily, window: index, count: 200) == 200)
        // Saved, then restarted (a new run id) with its data, as with persistence or after a failover.
        #expect(try admin.call(["SAVE"], timeoutMillis: 5_000) == .simple("OK"))
        try redis.restart()
        #expect(RedisServer.answers(port: redis.port))
        let again = RedisConnection(host: "127.0.0.1", port: redis.port)
        // The count is the one the checkpoint was read from: it counts the return, and the checkpoint leaves it alone.
        let after = try Self.lease(redis, keyID: "kid_kept", 10, checkpoint: checkpoint).checkpoint
        #expect(after.used == 510 && after.incarnation == checkpoint.incarnation)
        // A count made before incarnations were kept (no seed hash) never restarts below a checkpoint.
        let legacy = RedisQuotaLease.redisKey(keyID: "kid_legacy", policy: Self.daily, window: index)
        #expect(try again.call(["SET", legacy, "100"], timeoutMillis: 1_000) == .simple("OK"))
        #expect(
            try Self.lease(redis, keyID: "kid_legacy", 10, checkpoint: .init(used: 300, incarnation: "")).checkpoint
                .used
                == 310)
    }
}

extension RedisQuotaLease.Grant {
    /// The grant without its count's incarnation (a time Redis chose), for comparing.
    var withoutIncarnation: Self {
        guard case .granted(let permits, let used, _) = self else { return self }
        return .granted(permits: permits, used: used, incarnation: "")
    }
}
