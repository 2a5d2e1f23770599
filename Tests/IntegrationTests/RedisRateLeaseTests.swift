import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// Rate-limit leases against a real redis-server: the burst at once, then the rate; racing hosts granted no more than
/// one GCRA admits in the same span; unspent permits given back; the TAT kept exactly for slow limits.
@Suite(.serialized)
struct RedisRateLeaseTests {
    static func lease(_ redis: RedisServer) -> RedisRateLease {
        RedisRateLease(connection: RedisConnection(host: "127.0.0.1", port: redis.port), timeoutMillis: 2_000)
    }

    static func permits(_ grant: RedisRateLease.Grant) -> Int64 {
        if case .granted(let permits) = grant { return permits }
        return 0
    }

    @Test func theBurstComesAtOnceThenTheRateAndAnEmptyBucketSaysWhen() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let policy = RateLimitPolicy(limit: 10, periodMicros: 1_000_000, burst: 5, name: "ten-per-second")
        #expect(try lease.lease(keyID: "kid_b", policy: policy, want: 3) == .granted(permits: 3))
        #expect(try lease.lease(keyID: "kid_b", policy: policy, want: 100) == .granted(permits: 2))
        guard case .exhausted(let retry) = try lease.lease(keyID: "kid_b", policy: policy, want: 1) else {
            Issue.record("an empty bucket granted a permit")
            return
        }
        // One permit every 100 ms: the next is due within 100 ms.
        #expect(retry > 0 && retry <= 100_000)
        Thread.sleep(forTimeInterval: 0.35)
        let refilled = Self.permits(try lease.lease(keyID: "kid_b", policy: policy, want: 100))
        #expect((3...4).contains(refilled))
    }

    @Test func racingHostsAreGrantedNoMoreThanOneBucketAdmits() throws {
        let redis = try RedisServer()
        let policy = RateLimitPolicy(limit: 200, periodMicros: 1_000_000, burst: 20, name: "race")
        let tally = RedisQuotaLeaseTests.Tally()
        let port = redis.port
        let started = Date()
        // Four hosts lease chunks of 1-7 for 1.5 s as fast as Redis answers.
        DispatchQueue.concurrentPerform(iterations: 4) { host in
            let lease = RedisRateLease(
                connection: RedisConnection(host: "127.0.0.1", port: port), timeoutMillis: 2_000)
            var want = Int64(host + 1)
            for _ in 0..<200_000 where Date().timeIntervalSince(started) < 1.5 {
                do {
                    let permits = Self.permits(try lease.lease(keyID: "kid_race", policy: policy, want: want))
                    tally.add(permits)
                } catch {
                    tally.fail("\(error)")
                    return
                }
                want = want % 7 + 1
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(tally.failures.isEmpty, "\(tally.failures)")
        let granted = tally.granted
        // GCRA: at most b + r·W in any span W (the span of the calls is within the measured one).
        let bound = 20 + Int64((200 * elapsed).rounded(.down))
        #expect(granted <= bound, "granted \(granted) over \(elapsed) s, bound \(bound)")
        // And the hosts, which never stop asking, get nearly all of it.
        #expect(granted >= Int64(Double(bound) * 0.9), "granted \(granted) over \(elapsed) s, bound \(bound)")
    }

    @Test func unspentPermitsGoBackButNeverBeforeNow() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        let policy = RateLimitPolicy(limit: 100, periodMicros: 60_000_000, burst: 100, name: "per-minute")
        #expect(try lease.lease(keyID: "kid_g", policy: policy, want: 100) == .granted(permits: 100))
        #expect(try lease.giveBack(keyID: "kid_g", policy: policy, count: 30) == 30)
        #expect(try lease.lease(keyID: "kid_g", policy: policy, want: 100) == .granted(permits: 30))
        // More than was leased comes back only down to a full bucket, and a key never leased takes nothing.
        // (A permit is 0.6 s here: the milliseconds the test took refilled part of one, which stays refilled.)
        let back = try lease.giveBack(keyID: "kid_g", policy: policy, count: 1_000)
        #expect((99...100).contains(back))
        #expect((99...100).contains(Self.permits(try lease.lease(keyID: "kid_g", policy: policy, want: 1_000))))
        #expect(try lease.giveBack(keyID: "kid_none", policy: policy, count: 5) == 0)
    }

    @Test func aSlowLimitIsKeptExactlyAcrossManyLeases() throws {
        let redis = try RedisServer()
        let lease = Self.lease(redis)
        // 7 per day: T is 12,342,857,142.857… µs, which no whole number of microseconds is.
        let policy = RateLimitPolicy(limit: 7, periodMicros: 86_400_000_000, burst: 7, name: "seven-a-day")
        #expect(RedisRateLease.isExact(policy))
        var total: Int64 = 0
        for _ in 0..<7 { total += Self.permits(try lease.lease(keyID: "kid_s", policy: policy, want: 1)) }
        #expect(total == 7)
        guard case .exhausted(let retry) = try lease.lease(keyID: "kid_s", policy: policy, want: 1) else {
            Issue.record("an eighth permit in a day")
            return
        }
        // The next permit is one emission interval after the first lease: 86,400 s / 7, give or take the test's time.
        #expect(abs(retry - 12_342_857_143) < 5_000_000)
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port)
        let key = RedisRateLease.redisKey(keyID: "kid_s", policy: policy)
        let ttl = try #require(try admin.call(["PTTL", key], timeoutMillis: 1_000).integer)
        #expect(ttl > 86_000_000 && ttl <= 86_401_000)
        #expect(!RedisRateLease.isExact(RateLimitPolicy(limit: 1 << 40, periodMicros: 1 << 30, burst: 1 << 40)))
        // A key of another type is a refusal, not a crash.
        #expect(
            try admin.call(["SET", RedisRateLease.redisKey(keyID: "kid_t", policy: policy), "x"], timeoutMillis: 1_000)
                == .simple("OK"))
        #expect {
            try lease.lease(keyID: "kid_t", policy: policy, want: 1)
        } throws: { error in
            guard case .redis(let message) = error as? RedisLeaseError else { return false }
            return message.contains("WRONGTYPE")
        }
    }

    @Test func aLimitTooLargeForExactIntegersIsKeptInDoublesWithinAPermit() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let lease = RedisRateLease(
            connection: RedisConnection(host: "127.0.0.1", port: redis.port), timeoutMillis: 1_000)
        // A billion an hour with a burst of a billion: burst · period is 3.6e18, past 2^53.
        let policy = RateLimitPolicy(limit: 1_000_000_000, periodMicros: 3_600_000_000, burst: 1_000_000_000)
        #expect(!RedisRateLease.isExact(policy))
        var granted: Int64 = 0
        for _ in 0..<10 {
            guard case .granted(let permits) = try lease.lease(keyID: "kid_big", policy: policy, want: 100_000_000)
            else {
                Issue.record("a full bucket refused a lease")
                return
            }
            granted += permits
        }
        #expect(granted == 1_000_000_000, "the whole burst, and no more")
        // Empty now: the next permit is one interval (3.6 µs) away, give or take the calls' time.
        guard case .exhausted(let retry) = try lease.lease(keyID: "kid_big", policy: policy, want: 1_000_000) else {
            // The bucket refilled a little while the test ran: a few permits per microsecond, never the burst again.
            return
        }
        #expect(retry <= 4)
        #expect(try lease.giveBack(keyID: "kid_big", policy: policy, count: 500_000_000) == 500_000_000)
        guard case .granted(let again) = try lease.lease(keyID: "kid_big", policy: policy, want: 600_000_000) else {
            Issue.record("returned permits were not granted again")
            return
        }
        #expect(again >= 500_000_000 && again < 500_100_000, "what came back, plus what refilled meanwhile")
    }
}
