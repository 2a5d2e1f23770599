public import KeygateCore

/// Credits leased from Redis in chunks, so that hosts sharing a balance never spend more than it together.
///
/// Two functions of keygate's Redis library (``RedisFunctionLibrary``) keep each balance in one hash that never
/// expires (a spent balance must stay spent):
/// - `keygate_credit_lease`: grants `min(want, limit - leased)` credits of the current refill period, where `limit` is
///   the initial balance in the period of the key's first lease and the refill amount in every later one; a refill
///   (a new period by Redis's `TIME`) starts the count again.
/// - `keygate_credit_return`: gives back credits leased and not spent, to the period they were leased in only.
///
/// As for quotas, a host asks for the period its own clock is in and Redis refuses another one, so hosts whose clocks
/// disagree near a refill never lease from two periods at once. The key's id is the hash tag (Redis Cluster).
public struct RedisCreditLease {
    /// What a lease call got.
    public enum Grant: Sendable, Equatable {
        /// `permits` granted (0 when the balance is spent), with the period's state after the grant.
        case granted(permits: Int64, state: Checkpoint)
        /// Redis is in another refill period (`index`) than the one asked for: ask again later.
        case otherPeriod(index: Int64)
    }

    /// A balance as Redis last reported it: what a host sends back after Redis restarted without its data, so that
    /// the balance restarts from what was already leased, never from full.
    public struct Checkpoint: Sendable, Equatable {
        /// The refill period the balance is in.
        public var period: Int64
        /// Credits leased in that period so far.
        public var leased: Int64
        /// The period of the key's first lease (the one that started from the initial balance).
        public var firstPeriod: Int64
        /// What the period started with: the initial balance or the refill amount.
        public var limit: Int64
        /// When Redis created the balance's hash: a checkpoint raises only another incarnation (a balance lost and
        /// made again), by what it adds to those applied before; a balance Redis kept across a restart it leaves alone
        /// (as for quotas, ``RedisQuotaLease/Checkpoint``).
        public var incarnation: String

        public init(period: Int64, leased: Int64, firstPeriod: Int64, limit: Int64, incarnation: String) {
            self.period = period
            self.leased = leased
            self.firstPeriod = firstPeriod
            self.limit = limit
            self.incarnation = incarnation
        }
    }

    private let functions: RedisFunctionLibrary

    /// Leases over `redis` (one server or a cluster), each call bounded by `timeoutMillis`.
    public init(redis: any RedisCalling, timeoutMillis: Int) {
        self.functions = RedisFunctionLibrary(redis: redis, timeoutMillis: timeoutMillis)
    }

    /// The Redis key of the balance `policy` of key `keyID`: the key id is the hash tag.
    public static func redisKey(keyID: String, policy: CreditPolicy) -> String {
        "keygate:{\(keyID)}:credits:\(policy.name)"
    }

    /// The refill rule as the library reads it: kind (`none`, `day`, `month`) and the refill day of the month.
    static func refillArguments(_ policy: CreditPolicy) -> [String] {
        switch policy.refill {
        case .none: return ["none", "0"]
        case .daily: return ["day", "0"]
        case .monthly(_, let day): return ["month", "\(min(max(day, 1), 31))"]
        }
    }

    /// Leases up to `want` credits of `policy` for `keyID` in refill period `period` (this host's
    /// ``PermitWindow`` index), applying `checkpoint` first when one is given (after Redis restarted).
    public func lease(keyID: String, policy: CreditPolicy, period: Int64, want: Int64, checkpoint: Checkpoint? = nil)
        throws(RedisLeaseError) -> Grant
    {
        let initial = min(max(policy.initial, 0), Int64(UInt32.max))
        var arguments = ["\(initial)", "\(policy.quota)", "\(want)"] + Self.refillArguments(policy) + ["\(period)"]
        if let checkpoint {
            arguments += [
                "\(checkpoint.period)", "\(checkpoint.leased)", "\(checkpoint.firstPeriod)", checkpoint.incarnation,
            ]
        }
        let reply = try self.functions.call(
            "keygate_credit_lease", key: Self.redisKey(keyID: keyID, policy: policy), arguments: arguments)
        guard case .array(let items?) = reply, items.count >= 2, let grant = items[0].integer,
            let second = items[1].integer
        else { throw RedisLeaseError.unexpectedReply("\(reply)") }
        if grant < 0 { return .otherPeriod(index: second) }
        guard items.count == 6, let period = items[2].integer, let first = items[3].integer,
            let limit = items[4].integer, case .bulk(let incarnation?) = items[5]
        else { throw RedisLeaseError.unexpectedReply("\(reply)") }
        return .granted(
            permits: grant,
            state: Checkpoint(
                period: period, leased: second, firstPeriod: first, limit: limit,
                incarnation: String(decoding: incarnation, as: UTF8.self)))
    }

    /// Gives back `count` unspent credits of refill period `period`; returns how many Redis took back (none once the
    /// balance has moved on to another period).
    public func giveBack(keyID: String, policy: CreditPolicy, period: Int64, count: Int64) throws(RedisLeaseError)
        -> Int64
    {
        let reply = try self.functions.call(
            "keygate_credit_return", key: Self.redisKey(keyID: keyID, policy: policy),
            arguments: ["\(count)", "\(period)"])
        guard let taken = reply.integer else { throw RedisLeaseError.unexpectedReply("\(reply)") }
        return taken
    }
}
