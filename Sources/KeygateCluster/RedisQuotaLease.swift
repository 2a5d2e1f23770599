public import KeygateCore

/// Quota permits leased from Redis in chunks, so that hosts sharing a quota never admit more than it together.
///
/// One Redis function library, `keygate`, loaded with `FUNCTION LOAD REPLACE` (and again whenever a call finds it
/// missing: a restarted or flushed Redis) does the arithmetic atomically where the count lives:
/// - `keygate_quota_lease`: grants `min(want, limit - used)` permits of the current window and counts them as used.
/// - `keygate_quota_return`: gives back permits leased and not spent, to the window they were leased from only.
///
/// The window is Redis's: the function reads `TIME` and refuses a lease for another window than the one it is in,
/// answering with its own, so hosts whose clocks disagree near midnight cannot lease from two windows at once. Each
/// key's counters live under one hash tag (`keygate:{kid_…}:…`), so the same calls work on a Redis Cluster.
public struct RedisQuotaLease {
    /// The library's source: Lua, Redis 7 functions.
    static let library = #"""
        #!lua name=keygate
        local function window_index(kind)
          local seconds = tonumber(redis.call('TIME')[1])
          local days = math.floor(seconds / 86400)
          if kind == 'day' then return days end
          -- civil_from_days (Howard Hinnant), then months since 1970-01
          local z = days + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local month = mp < 10 and mp + 3 or mp - 9
          local year = yoe + era * 400 + (month <= 2 and 1 or 0)
          return (year - 1970) * 12 + month - 1
        end
        redis.register_function('keygate_quota_lease', function(keys, args)
          local limit, want, kind, window, expires = tonumber(args[1]), tonumber(args[2]), args[3], tonumber(args[4]), tonumber(args[5])
          local current = window_index(kind)
          if current ~= window then return {-1, current} end
          local used = tonumber(redis.call('GET', keys[1]) or '0')
          local grant = math.max(0, math.min(want, limit - used))
          if grant > 0 then
            redis.call('INCRBY', keys[1], grant)
            redis.call('EXPIREAT', keys[1], expires)
          end
          return {grant, used + grant}
        end)
        redis.register_function('keygate_quota_return', function(keys, args)
          local count = tonumber(args[1])
          local used = tonumber(redis.call('GET', keys[1]) or '-1')
          if used < 0 then return 0 end
          local back = math.max(0, math.min(count, used))
          if back > 0 then redis.call('DECRBY', keys[1], back) end
          return back
        end)
        """#

    /// What a lease call got.
    public enum Grant: Sendable, Equatable {
        /// `permits` granted (0 when the quota is spent); `used` counts every permit leased in the window so far.
        case granted(permits: Int64, used: Int64)
        /// Redis is in another window (`index`) than the one asked for: ask again for that one.
        case otherWindow(index: Int64)
    }

    /// Why a lease call failed, besides the connection (``RedisError``).
    public enum LeaseError: Error, Equatable, CustomStringConvertible {
        case connection(RedisError)
        /// Redis answered with an error: a Redis before 7 (no functions), a key holding another type, a full memory.
        case redis(String)
        /// The reply had another shape than the library returns.
        case unexpectedReply(String)

        public var description: String {
            switch self {
            case .connection(let error): "\(error)"
            case .redis(let message): "redis refused the lease call: \(message)"
            case .unexpectedReply(let reply): "redis lease call: unexpected reply \(reply)"
            }
        }
    }

    private let connection: RedisConnection
    private let timeoutMillis: Int

    /// Leases over `connection`, each call bounded by `timeoutMillis`.
    public init(connection: RedisConnection, timeoutMillis: Int) {
        self.connection = connection
        self.timeoutMillis = timeoutMillis
    }

    /// The Redis key of quota `policy` of key `keyID` in window `index`: the key id is the hash tag.
    public static func redisKey(keyID: String, policy: QuotaPolicy, window index: Int64) -> String {
        "keygate:{\(keyID)}:quota:\(policy.name):\(policy.window.rawValue):\(index)"
    }

    /// Leases up to `want` permits of `policy` for `keyID` in window `index` (its ``QuotaPolicy/windowIndex(containing:)``).
    ///
    /// The Redis key expires a day after the window ends (`windowEndSeconds`), when no return can reach it any more.
    public func lease(
        keyID: String, policy: QuotaPolicy, window index: Int64, windowEndSeconds: Int64, want: Int64
    ) throws(LeaseError) -> Grant {
        let reply = try self.call(
            "keygate_quota_lease", key: Self.redisKey(keyID: keyID, policy: policy, window: index),
            arguments: [
                "\(policy.limit)", "\(want)", policy.window.rawValue, "\(index)", "\(windowEndSeconds + 86_400)",
            ])
        guard case .array(let items?) = reply, items.count == 2, let first = items[0].integer,
            let second = items[1].integer
        else { throw LeaseError.unexpectedReply("\(reply)") }
        return first < 0 ? .otherWindow(index: second) : .granted(permits: first, used: second)
    }

    /// Gives back `count` unspent permits of window `index`; returns how many Redis took back (none once the window's
    /// key is gone).
    public func giveBack(keyID: String, policy: QuotaPolicy, window index: Int64, count: Int64) throws(LeaseError)
        -> Int64
    {
        let reply = try self.call(
            "keygate_quota_return", key: Self.redisKey(keyID: keyID, policy: policy, window: index),
            arguments: ["\(count)"])
        guard let taken = reply.integer else { throw LeaseError.unexpectedReply("\(reply)") }
        return taken
    }

    /// `FCALL function 1 key arguments…`, loading the library first when Redis does not have it.
    private func call(_ function: String, key: String, arguments: [String]) throws(LeaseError) -> RESPValue {
        let command = ["FCALL", function, "1", key] + arguments
        var reply = try self.send(command)
        if case .error(let message) = reply, message.hasPrefix("ERR Function not found") {
            let loaded = try self.send(["FUNCTION", "LOAD", "REPLACE", Self.library])
            guard loaded == .bulk(Array("keygate".utf8)) else { throw LeaseError.redis("FUNCTION LOAD: \(loaded)") }
            reply = try self.send(command)
        }
        if case .error(let message) = reply { throw LeaseError.redis(message) }
        return reply
    }

    private func send(_ command: [String]) throws(LeaseError) -> RESPValue {
        do {
            return try self.connection.call(command, timeoutMillis: self.timeoutMillis)
        } catch {
            throw LeaseError.connection(error)
        }
    }
}
