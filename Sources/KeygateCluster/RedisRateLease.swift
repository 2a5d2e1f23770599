public import KeygateCore

/// Rate-limit permits leased from Redis in chunks: hosts sharing a GCRA limit (rate r, burst b) are granted no more
/// together than one GCRA would admit, `b + r·W` in any window of W.
///
/// Two functions of keygate's Redis library (``RedisFunctionLibrary``) keep one theoretical arrival time (TAT) per API
/// key and limit, on Redis's clock:
/// - `keygate_rate_lease` grants `n = min(want, ⌊(now + b·T − max(TAT, now)) / T⌋)` permits at once (T = 1/r) and moves
///   the TAT on by `n·T`; with none to grant it answers how long until the next one.
/// - `keygate_rate_return` gives back permits leased and not spent, moving the TAT back, never before now.
///
/// The TAT is kept exactly: whole microseconds plus a remainder in 1/limit microseconds, so `T = period/limit` needs no
/// rounding, and the arithmetic stays far below 2^53 (Lua's numbers are doubles) for every `burst · period` under it.
/// Larger limits (``isExact(_:)`` false) keep the TAT in double microseconds, rounded by at most 0.25 µs a call.
/// The key expires when its TAT passes: an absent key is a full bucket. Its hash tag is the API key's id.
public struct RedisRateLease {
    /// What a lease call got.
    public enum Grant: Sendable, Equatable {
        /// `permits` granted, at least 1.
        case granted(permits: Int64)
        /// None left now; the next permit is due in `retryAfterMicros` (on Redis's clock).
        case exhausted(retryAfterMicros: Int64)
    }

    private let functions: RedisFunctionLibrary

    /// Leases over `redis` (one server or a cluster), each call bounded by `timeoutMillis`.
    public init(redis: any RedisCalling, timeoutMillis: Int) {
        self.functions = RedisFunctionLibrary(redis: redis, timeoutMillis: timeoutMillis)
    }

    /// Leases over `connection`, each call bounded by `timeoutMillis`.
    public init(connection: RedisConnection, timeoutMillis: Int) {
        self.init(redis: connection, timeoutMillis: timeoutMillis)
    }

    /// The Redis key of rate limit `policy` of key `keyID`: the key id is the hash tag.
    public static func redisKey(keyID: String, policy: RateLimitPolicy) -> String {
        "keygate:{\(keyID)}:rate:\(policy.name)"
    }

    /// Whether `policy` is kept exactly by the library (`burst · period` below 2^53 in 1/limit microseconds); other
    /// policies (a million a day, a billion an hour) are kept in double microseconds, rounded by at most 0.25 µs a
    /// call: a fraction of a permit per lease.
    public static func isExact(_ policy: RateLimitPolicy) -> Bool {
        let (product, overflow) = policy.burst.multipliedReportingOverflow(by: policy.periodMicros)
        return policy.limit > 0 && policy.periodMicros > 0 && policy.burst > 0 && !overflow && product < 1 << 53
    }

    /// Leases up to `want` (at least 1) permits of `policy` for `keyID`.
    public func lease(keyID: String, policy: RateLimitPolicy, want: Int64) throws(RedisLeaseError) -> Grant {
        try self.leaseCounting(keyID: keyID, policy: policy, want: want).grant
    }

    /// ``lease(keyID:policy:want:)``, with the permits the bucket still holds after the grant (0 when exhausted).
    public func leaseCounting(keyID: String, policy: RateLimitPolicy, want: Int64) throws(RedisLeaseError) -> (
        grant: Grant, left: Int64
    ) {
        precondition(want > 0 && policy.limit > 0 && policy.periodMicros > 0, "a lease wants at least one permit")
        let reply = try self.functions.call(
            "keygate_rate_lease", key: Self.redisKey(keyID: keyID, policy: policy),
            arguments: ["\(policy.periodMicros)", "\(policy.limit)", "\(policy.burst)", "\(want)"])
        guard case .array(let items?) = reply, items.count == 2, let permits = items[0].integer,
            let retry = items[1].integer
        else { throw RedisLeaseError.unexpectedReply("\(reply)") }
        return permits > 0 ? (.granted(permits: permits), max(retry, 0)) : (.exhausted(retryAfterMicros: retry), 0)
    }

    /// Gives back `count` unspent permits; returns how many Redis took back (fewer when the bucket refilled past
    /// them meanwhile: the TAT never moves before now).
    public func giveBack(keyID: String, policy: RateLimitPolicy, count: Int64) throws(RedisLeaseError) -> Int64 {
        precondition(count >= 0 && policy.limit > 0 && policy.periodMicros > 0, "a return gives back permits")
        let reply = try self.functions.call(
            "keygate_rate_return", key: Self.redisKey(keyID: keyID, policy: policy),
            arguments: ["\(policy.periodMicros)", "\(policy.limit)", "\(count)", "\(policy.burst)"])
        guard let taken = reply.integer else { throw RedisLeaseError.unexpectedReply("\(reply)") }
        return taken
    }
}
