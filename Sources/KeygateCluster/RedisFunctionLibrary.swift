import KeygateCore

/// keygate's Redis function library, `keygate` (Lua, Redis 7 functions), and the calls into it.
///
/// The library is loaded with `FUNCTION LOAD REPLACE` whenever a call finds a function missing (a restarted or
/// flushed Redis, or a Redis that has an older copy), then the call is made again. Every function reads the time from
/// Redis (`TIME`), never from the calling host, and touches one key, whose hash tag is the API key's id, so the same
/// calls work on a Redis Cluster (and during a resharding, where a call over several keys may be refused).
public struct RedisFunctionLibrary {
    /// The library's source.
    static let source = #"""
        #!lua name=keygate
        -- civil_from_days (Howard Hinnant): year, month (1-12) and day (1-31) of a day count since 1970-01-01.
        local function civil(days)
          local z = days + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local month = mp < 10 and mp + 3 or mp - 9
          local year = yoe + era * 400 + (month <= 2 and 1 or 0)
          return year, month, doy - math.floor((153 * mp + 2) / 5) + 1
        end
        local function window_index(kind)
          local seconds = tonumber(redis.call('TIME')[1])
          local days = math.floor(seconds / 86400)
          if kind == 'day' then return days end
          local year, month = civil(days)
          return (year - 1970) * 12 + month - 1
        end
        -- A count's incarnation: when it was created, by Redis's clock. A count Redis lost and made again is another
        -- incarnation; one Redis kept across a restart (persistence, a failover) is the same.
        local function incarnation()
          local t = redis.call('TIME')
          return t[1] .. '.' .. t[2]
        end
        -- A checkpoint (sent after Redis restarted, maybe without its data) is a count `seed` read from incarnation
        -- `from`. It raises another incarnation's count by what it adds to the seeds applied before (`base`), so
        -- that what was granted since the count was made again stays counted; its own incarnation it leaves alone.
        -- Returns the count and base after it.
        local function reseed(count, base, own, seed, from)
          if seed <= 0 then return count, base end
          if own == false then
            -- A count made before incarnations were kept: never below the seed.
            return math.max(count, seed), base
          end
          if own == from or seed <= base then return count, base end
          return count + seed - base, seed
        end
        -- Quotas: one hash per window, 'u' the count, 'e' its incarnation, 'b' the seed applied (see reseed). A count
        -- kept as a plain number (before incarnations were kept) is read and counted on as one.
        redis.register_function('keygate_quota_lease', function(keys, args)
          local limit, want, kind, window, expires = tonumber(args[1]), tonumber(args[2]), args[3], tonumber(args[4]), tonumber(args[5])
          local current = window_index(kind)
          if current ~= window then return {-1, current} end
          local plain = redis.call('TYPE', keys[1]).ok == 'string'
          local used, own, base = 0, false, 0
          if plain then
            used = tonumber(redis.call('GET', keys[1]))
          else
            local state = redis.call('HMGET', keys[1], 'u', 'e', 'b')
            if state[1] == false then
              own = incarnation()
            else
              used, own, base = tonumber(state[1]), state[2], tonumber(state[3] or '0')
            end
          end
          local before = used
          used, base = reseed(used, base, own, tonumber(args[6] or '0'), args[7] or '')
          local grant = math.max(0, math.min(want, limit - used))
          used = used + grant
          -- Written only when the count moved: a lease that grants nothing and applies no seed changes nothing.
          if used ~= before then
            if plain then
              redis.call('SET', keys[1], used, 'EXAT', expires)
            else
              redis.call('HSET', keys[1], 'u', used, 'e', own, 'b', base)
              redis.call('EXPIREAT', keys[1], expires)
            end
          end
          return {grant, used, own or ''}
        end)
        redis.register_function('keygate_quota_return', function(keys, args)
          local count = tonumber(args[1])
          local plain = redis.call('TYPE', keys[1]).ok
          if plain == 'none' then return 0 end
          local used = tonumber(plain == 'string' and redis.call('GET', keys[1]) or redis.call('HGET', keys[1], 'u'))
          local back = math.max(0, math.min(count, used))
          if back <= 0 then return 0 end
          if plain == 'string' then redis.call('DECRBY', keys[1], back) else redis.call('HINCRBY', keys[1], 'u', -back) end
          return back
        end)
        -- Credits: one hash per balance, never expiring: 'p' the refill period the balance is in (days or months
        -- since 1970 by Redis's clock, 0 without refill), 'u' the credits leased in it, 'f' the period of the first
        -- lease. The first period starts from the initial balance, every later one from the refill amount.
        local function refill_period(kind, refill_day)
          if kind == 'none' then return 0 end
          local days = math.floor(tonumber(redis.call('TIME')[1]) / 86400)
          if kind == 'day' then return days end
          local year, month, day = civil(days)
          local length = ({31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31})[month]
          if month == 2 and ((year % 4 == 0 and year % 100 ~= 0) or year % 400 == 0) then length = 29 end
          local index = (year - 1970) * 12 + month - 1
          if day >= math.min(refill_day, length) then return index end
          return math.max(index - 1, 0)
        end
        redis.register_function('keygate_credit_lease', function(keys, args)
          local initial, amount, want = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
          local current = refill_period(args[4], tonumber(args[5]))
          if current ~= tonumber(args[6]) then return {-1, current, 0, 0} end
          -- 'e' the hash's incarnation, 'b' the seed applied in period 'p' (see reseed).
          local state = redis.call('HMGET', keys[1], 'p', 'u', 'f', 'e', 'b')
          local p, u, f = tonumber(state[1]), tonumber(state[2] or '0'), tonumber(state[3])
          local own, base = state[4], tonumber(state[5] or '0')
          -- A checkpoint (sent after Redis restarted, maybe without its data): period, leased, first period, incarnation.
          local cp, cu, cf = tonumber(args[7] or '-1'), tonumber(args[8] or '0'), tonumber(args[9] or '-1')
          if p == nil then
            own, base = incarnation(), 0
            if cp >= 0 then p, u, f, base = cp, cu, cf, cu end
          elseif p == cp then
            u, base = reseed(u, base, own, cu, args[10] or '')
          end
          if p == nil then p, u, f = current, 0, current end
          if current > p then p, u, base = current, 0, 0 end
          local limit = p == f and initial or amount
          local grant = math.max(0, math.min(want, limit - u))
          u = u + grant
          redis.call('HSET', keys[1], 'p', p, 'u', u, 'f', f, 'b', base)
          if own then redis.call('HSET', keys[1], 'e', own) end
          return {grant, u, p, f, limit, own or ''}
        end)
        redis.register_function('keygate_credit_return', function(keys, args)
          local count, period = tonumber(args[1]), tonumber(args[2])
          local state = redis.call('HMGET', keys[1], 'p', 'u')
          local p, u = tonumber(state[1]), tonumber(state[2] or '0')
          if p == nil or p ~= period then return 0 end
          local back = math.max(0, math.min(count, u))
          if back > 0 then redis.call('HSET', keys[1], 'u', u - back) end
          return back
        end)
        -- Rate limits (GCRA), leased in chunks. The key is a hash: the theoretical arrival time (TAT) as whole
        -- microseconds `t` and a remainder `f` in 1/limit microseconds, so that the emission interval period/limit is
        -- exact and no product of a Unix time with the limit (beyond 2^53) is ever formed.
        local function now_micros()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000000 + tonumber(t[2])
        end
        -- A limit whose burst * period reaches 2^53 (a million a day, a billion an hour) cannot be kept in exact
        -- integers: its TAT is a double of microseconds in field 'd' instead, rounded by at most 0.25 us per call.
        local EXACT = 9007199254740992
        local function lease_approx(key, period, limit, burst, want)
          local now = now_micros()
          local interval = period / limit
          local d = tonumber(redis.call('HGET', key, 'd'))
          if d == nil or d < now then d = now end
          local room = now + burst * interval - d
          local grant = math.max(0, math.min(want, math.floor(room / interval)))
          if grant == 0 then return {0, math.ceil(interval - room)} end
          d = d + grant * interval
          redis.call('HSET', key, 'd', string.format('%.3f', d))
          redis.call('PEXPIREAT', key, math.floor(d / 1000) + 1000)
          return {grant, math.max(0, math.floor((room - grant * interval) / interval))}
        end
        local function return_approx(key, period, limit, count)
          local now = now_micros()
          local interval = period / limit
          local d = tonumber(redis.call('HGET', key, 'd'))
          if d == nil or d <= now then return 0 end
          local back = math.min(count, math.floor((d - now) / interval))
          if back <= 0 then return 0 end
          redis.call('HSET', key, 'd', string.format('%.3f', d - back * interval))
          return back
        end
        redis.register_function('keygate_rate_lease', function(keys, args)
          local period, limit, burst, want = tonumber(args[1]), tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
          if burst * period >= EXACT then return lease_approx(keys[1], period, limit, burst, want) end
          local now = now_micros()
          local state = redis.call('HMGET', keys[1], 't', 'f')
          local t, f = tonumber(state[1]), tonumber(state[2] or '0')
          if t == nil or t < now or (t == now and f == 0) then t, f = now, 0 end
          -- Room before the TAT passes now + burst intervals, in 1/limit microseconds: (now - tat) * limit + burst * period.
          local room = (now - t) * limit - f + burst * period
          local grant = math.max(0, math.min(want, math.floor(room / period)))
          if grant == 0 then
            return {0, math.ceil((period - room) / limit)}
          end
          local total = f + grant * period
          t = t + math.floor(total / limit)
          f = total % limit
          redis.call('HSET', keys[1], 't', t, 'f', f)
          redis.call('PEXPIREAT', keys[1], math.floor(t / 1000) + 1000)
          -- With the grant, what the bucket still holds after it (for the hosts' RateLimit headers).
          return {grant, math.floor(room / period) - grant}
        end)
        redis.register_function('keygate_rate_return', function(keys, args)
          local period, limit, count = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
          if args[4] and tonumber(args[4]) * period >= EXACT then return return_approx(keys[1], period, limit, count) end
          local now = now_micros()
          local state = redis.call('HMGET', keys[1], 't', 'f')
          local t, f = tonumber(state[1]), tonumber(state[2] or '0')
          if t == nil or t < now or (t == now and f == 0) then return 0 end
          -- Never back past now: what lies before it was spent or has refilled anyway.
          local owed = (t - now) * limit + f
          local back = math.min(count, math.floor(owed / period))
          if back <= 0 then return 0 end
          local total = f - back * period
          t = t + math.floor(total / limit)
          f = total % limit
          redis.call('HSET', keys[1], 't', t, 'f', f)
          return back
        end)
        """#

    private let redis: any RedisCalling
    private let timeoutMillis: Int

    /// Calls over `redis` (one server or a cluster), each bounded by `timeoutMillis`.
    public init(redis: any RedisCalling, timeoutMillis: Int) {
        self.redis = redis
        self.timeoutMillis = timeoutMillis
    }

    /// Calls over `connection`, each bounded by `timeoutMillis`.
    public init(connection: RedisConnection, timeoutMillis: Int) {
        self.init(redis: connection, timeoutMillis: timeoutMillis)
    }

    /// `FCALL function 1 key arguments…` on the node serving `key`, loading the library first when that node does not
    /// have the function. Functions are kept per node, so the library goes to every master of a cluster.
    func call(_ function: String, key: String, arguments: [String]) throws(RedisLeaseError) -> RESPValue {
        let command = ["FCALL", function, "1", key] + arguments
        var reply = try self.send { () throws(RedisError) in
            try self.redis.call(command, key: key, timeoutMillis: self.timeoutMillis)
        }
        if case .error(let message) = reply, message.hasPrefix("ERR Function not found") {
            try self.load()
            reply = try self.send { () throws(RedisError) in
                try self.redis.call(command, key: key, timeoutMillis: self.timeoutMillis)
            }
        }
        if case .error(let message) = reply { throw RedisLeaseError.redis(message) }
        return reply
    }

    /// Loads (or replaces) the library on every master now: at startup, so that a Redis without functions (before 7),
    /// a wrong address or a Redis that refuses the library fails with a message saying what to fix; and whenever a
    /// call finds a function missing.
    public func load() throws(RedisLeaseError) {
        let replies = try self.send { () throws(RedisError) in
            try self.redis.callEveryMaster(
                ["FUNCTION", "LOAD", "REPLACE", Self.source], timeoutMillis: self.timeoutMillis)
        }
        for loaded in replies {
            if case .error(let message) = loaded {
                if message.contains("unknown command") {
                    throw RedisLeaseError.redis("\(message): keygate needs Redis 7 or later (functions)")
                }
                throw RedisLeaseError.redis("FUNCTION LOAD: \(message)")
            }
            guard loaded == .bulk(Array("keygate".utf8)) else { throw RedisLeaseError.unexpectedReply("\(loaded)") }
        }
    }

    private func send<Reply>(_ body: () throws(RedisError) -> Reply) throws(RedisLeaseError) -> Reply {
        do {
            return try body()
        } catch {
            throw RedisLeaseError.connection(error)
        }
    }
}

/// Why a lease call failed.
public enum RedisLeaseError: Error, Equatable, CustomStringConvertible {
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
