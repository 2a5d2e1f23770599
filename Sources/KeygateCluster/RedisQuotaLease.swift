public import KeygateCore

/// Quota permits leased from Redis in chunks, so that hosts sharing a quota never admit more than it together.
///
/// Two functions of keygate's Redis library (``RedisFunctionLibrary``) do the arithmetic atomically where the count
/// lives:
/// - `keygate_quota_lease`: grants `min(want, limit - used)` permits of the current window and counts them as used.
/// - `keygate_quota_return`: gives back permits leased and not spent, to the window they were leased from only.
///
/// The window is Redis's: the function reads `TIME` and refuses a lease for another window than the one it is in,
/// answering with its own, so hosts whose clocks disagree near midnight cannot lease from two windows at once. Each
/// key's counters live under one hash tag (`keygate:{kid_…}:…`), so the same calls work on a Redis Cluster.
public struct RedisQuotaLease {
    /// What a lease call got.
    public enum Grant: Sendable, Equatable {
        /// `permits` granted (0 when the quota is spent); `used` counts every permit leased in the window so far, as
        /// counted by the window's count `incarnation` (see ``Checkpoint``).
        case granted(permits: Int64, used: Int64, incarnation: String)
        /// Redis is in another window (`index`) than the one asked for: ask again for that one.
        case otherWindow(index: Int64)
    }

    /// A window's count as Redis last reported it: what a host sends back after Redis restarted, so that a count
    /// Redis lost restarts from what was already granted, never from zero.
    ///
    /// `incarnation` names the count it was read from (when Redis created it). Redis applies a checkpoint only to
    /// another incarnation (a count lost and made again), raising it by what the checkpoint adds to those applied
    /// before, so that permits granted since it was made again stay counted. A count Redis kept across its restart is
    /// the same incarnation and is left alone.
    public struct Checkpoint: Sendable, Equatable {
        public var used: Int64
        public var incarnation: String

        public init(used: Int64, incarnation: String) {
            self.used = used
            self.incarnation = incarnation
        }
    }

    /// Why a lease call failed (kept under this name for callers of the quota lease).
    public typealias LeaseError = RedisLeaseError

    private let functions: RedisFunctionLibrary

    /// Leases over `redis` (one server or a cluster), each call bounded by `timeoutMillis`.
    public init(redis: any RedisCalling, timeoutMillis: Int) {
        self.functions = RedisFunctionLibrary(redis: redis, timeoutMillis: timeoutMillis)
    }

    /// Leases over `connection`, each call bounded by `timeoutMillis`.
    public init(connection: RedisConnection, timeoutMillis: Int) {
        self.init(redis: connection, timeoutMillis: timeoutMillis)
    }

    /// The Redis key of quota `policy` of key `keyID` in window `index`: the key id is the hash tag.
    public static func redisKey(keyID: String, policy: QuotaPolicy, window index: Int64) -> String {
        "keygate:{\(keyID)}:quota:\(policy.name):\(policy.window.rawValue):\(index)"
    }

    /// Leases up to `want` permits of `policy` for `keyID` in window `index` (its ``QuotaPolicy/windowIndex(containing:)``).
    ///
    /// The Redis key expires a day after the window ends (`windowEndSeconds`), when no return can reach it any more.
    /// A `checkpoint` (sent after Redis came back from a restart) is applied first, as ``Checkpoint`` says.
    public func lease(
        keyID: String, policy: QuotaPolicy, window index: Int64, windowEndSeconds: Int64, want: Int64,
        checkpoint: Checkpoint? = nil
    ) throws(LeaseError) -> Grant {
        var arguments = [
            "\(policy.limit)", "\(want)", policy.window.rawValue, "\(index)", "\(windowEndSeconds + 86_400)",
        ]
        if let checkpoint { arguments += ["\(checkpoint.used)", checkpoint.incarnation] }
        let reply = try self.functions.call(
            "keygate_quota_lease", key: Self.redisKey(keyID: keyID, policy: policy, window: index),
            arguments: arguments)
        guard case .array(let items?) = reply, items.count >= 2, let first = items[0].integer,
            let second = items[1].integer
        else { throw LeaseError.unexpectedReply("\(reply)") }
        if first < 0 { return .otherWindow(index: second) }
        guard items.count == 3, case .bulk(let incarnation?) = items[2] else {
            throw LeaseError.unexpectedReply("\(reply)")
        }
        return .granted(permits: first, used: second, incarnation: String(decoding: incarnation, as: UTF8.self))
    }

    /// Gives back `count` unspent permits of window `index`; returns how many Redis took back (none once the window's
    /// key is gone).
    public func giveBack(keyID: String, policy: QuotaPolicy, window index: Int64, count: Int64) throws(LeaseError)
        -> Int64
    {
        let reply = try self.functions.call(
            "keygate_quota_return", key: Self.redisKey(keyID: keyID, policy: policy, window: index),
            arguments: ["\(count)"])
        guard let taken = reply.integer else { throw LeaseError.unexpectedReply("\(reply)") }
        return taken
    }
}
