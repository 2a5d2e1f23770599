import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// Credit leases against a real redis-server: never more granted than the balance, hosts racing included; the refill
/// period is Redis's and agrees with the hosts' for every refill day; a refill starts from the refill amount, the
/// first period from the initial balance; a checkpoint restores a balance Redis lost; returns reach their period only.
@Suite(.serialized)
struct RedisCreditLeaseTests {
    static let once = CreditPolicy(initial: 1_000)
    static let daily = CreditPolicy(initial: 500, refill: .daily(amount: 50))

    static func lease(_ redis: RedisServer) -> RedisCreditLease {
        RedisCreditLease(redis: RedisConnection(host: "127.0.0.1", port: redis.port), timeoutMillis: 2_000)
    }

    static func period(_ policy: CreditPolicy) -> Int64 {
        PermitWindow(policy, nowMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)).index
    }

    @Test func hostsRacingForABalanceAreGrantedExactlyIt() throws {
        let redis = try RedisServer()
        let port = redis.port
        let granted = RedisQuotaLeaseTests.Tally()
        DispatchQueue.concurrentPerform(iterations: 4) { host in
            let lease = RedisCreditLease(redis: RedisConnection(host: "127.0.0.1", port: port), timeoutMillis: 2_000)
            var want = Int64(host + 1)
            for _ in 0..<2_000 {
                guard
                    case .granted(let permits, let state)? = try? lease.lease(
                        keyID: "kid_race", policy: Self.once, period: 0, want: want)
                else { return granted.fail("host \(host): no grant") }
                guard state.leased <= 1_000 else { return granted.fail("leased \(state.leased) beyond the balance") }
                if permits == 0 { return }
                granted.add(permits)
                want = want % 37 + 1
            }
            granted.fail("host \(host) never saw the balance run out")
        }
        #expect(granted.failures.isEmpty, "\(granted.failures)")
        #expect(granted.granted == 1_000)
        // The balance never expires: spent credits stay spent.
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        let key = RedisCreditLease.redisKey(keyID: "kid_race", policy: Self.once)
        #expect(try admin.call(["TTL", key], timeoutMillis: 1_000) == .integer(-1))
    }

    @Test func theRefillPeriodIsRedissAndAgreesWithTheHostsForEveryRefillDay() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let policies =
            [Self.once, Self.daily]
            + (1...31).map { CreditPolicy(initial: 10, refill: .monthly(amount: 10, day: $0), name: "m\($0)") }
        for (index, policy) in policies.enumerated() {
            let period = Self.period(policy)
            #expect(
                try lease.lease(keyID: "kid_p\(index)", policy: policy, period: period + 1, want: 1)
                    == .otherPeriod(index: period), "\(policy.refill)")
            guard
                case .granted(1, let state) = try lease.lease(
                    keyID: "kid_p\(index)", policy: policy, period: period, want: 1)
            else {
                Issue.record("no grant for \(policy.refill)")
                continue
            }
            #expect(state.period == period && state.firstPeriod == period && state.leased == 1)
        }
    }

    @Test func theFirstPeriodStartsFromTheInitialBalanceAndARefillFromItsAmount() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        let today = Self.period(Self.daily)
        #expect(
            try lease.lease(keyID: "kid_new", policy: Self.daily, period: today, want: 800).withoutIncarnation
                == .granted(
                    permits: 500,
                    state: .init(period: today, leased: 500, firstPeriod: today, limit: 500, incarnation: "")))
        // A balance first leased yesterday, 499 of it spent: today is a refill, to 50 (unspent credits are gone).
        let key = RedisCreditLease.redisKey(keyID: "kid_old", policy: Self.daily)
        _ = try admin.call(
            ["HSET", key, "p", "\(today - 1)", "u", "499", "f", "\(today - 1)"], timeoutMillis: 1_000)
        #expect(
            try lease.lease(keyID: "kid_old", policy: Self.daily, period: today, want: 800).withoutIncarnation
                == .granted(
                    permits: 50,
                    state: .init(period: today, leased: 50, firstPeriod: today - 1, limit: 50, incarnation: "")))
        // Returns reach the period they were leased in only.
        #expect(try lease.giveBack(keyID: "kid_old", policy: Self.daily, period: today - 1, count: 10) == 0)
        #expect(try lease.giveBack(keyID: "kid_old", policy: Self.daily, period: today, count: 80) == 50)
        #expect(try lease.giveBack(keyID: "kid_gone", policy: Self.daily, period: today, count: 10) == 0)
    }

    @Test func aCheckpointRestoresABalanceRedisLostAndKeepsWhatWasGrantedSince() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        guard case .granted(600, let state) = try lease.lease(keyID: "kid_cp", policy: Self.once, period: 0, want: 600)
        else {
            Issue.record("no grant")
            return
        }
        #expect(try admin.call(["FLUSHALL"], timeoutMillis: 1_000) == .simple("OK"))
        // Another host, with no checkpoint, leases first from the balance made again: 100.
        guard case .granted(100, let again) = try lease.lease(keyID: "kid_cp", policy: Self.once, period: 0, want: 100)
        else {
            Issue.record("no grant after the flush")
            return
        }
        #expect(again.incarnation != state.incarnation)
        // Without the checkpoint the balance would start full again: 1000 more. With it, 600 were leased before and
        // the 100 since stay counted.
        #expect(
            try lease.lease(keyID: "kid_cp", policy: Self.once, period: 0, want: 1_000, checkpoint: state)
                .withoutIncarnation
                == .granted(
                    permits: 300, state: .init(period: 0, leased: 1_000, firstPeriod: 0, limit: 1_000, incarnation: ""))
        )
        // A checkpoint applied before never counts twice, nor lowers anything.
        #expect(try lease.giveBack(keyID: "kid_cp", policy: Self.once, period: 0, count: 50) == 50)
        #expect(
            try lease.lease(keyID: "kid_cp", policy: Self.once, period: 0, want: 5, checkpoint: state)
                .withoutIncarnation
                == .granted(
                    permits: 5, state: .init(period: 0, leased: 955, firstPeriod: 0, limit: 1_000, incarnation: "")))
    }

    @Test func aBalanceRedisKeptAcrossItsRestartIsLeftAlone() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        guard
            case .granted(600, let state) = try lease.lease(keyID: "kid_kept", policy: Self.once, period: 0, want: 600)
        else {
            Issue.record("no grant")
            return
        }
        #expect(try lease.giveBack(keyID: "kid_kept", policy: Self.once, period: 0, count: 100) == 100)
        #expect(try admin.call(["SAVE"], timeoutMillis: 5_000) == .simple("OK"))
        try redis.restart()
        #expect(RedisServer.answers(port: redis.port))
        // The same balance (it counts the return): the checkpoint read from it before leaves it alone.
        guard
            case .granted(10, let after) = try Self.lease(redis).lease(
                keyID: "kid_kept", policy: Self.once, period: 0, want: 10, checkpoint: state)
        else {
            Issue.record("no grant after the restart")
            return
        }
        #expect(after.leased == 510 && after.incarnation == state.incarnation)
    }
}

extension RedisCreditLease.Grant {
    /// The grant without its balance's incarnation (a time Redis chose), for comparing.
    var withoutIncarnation: Self {
        guard case .granted(let permits, var state) = self else { return self }
        state.incarnation = ""
        return .granted(permits: permits, state: state)
    }
}
