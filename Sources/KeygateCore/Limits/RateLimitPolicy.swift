/// A smooth rate limit: `limit` requests per `periodMicros` with up to `burst` at once, by the generic cell rate
/// algorithm (GCRA).
///
/// GCRA keeps one theoretical arrival time (TAT) per key. With emission interval `T = period / limit` and window
/// `W = T * burst` (the burst tolerance `tau = T * (burst - 1)` plus `T`), a request of cost `c` at `now` moves
/// the TAT to `max(TAT, now) + T * c` and is admitted iff that is at most `now + W`. An idle key therefore admits
/// `burst` requests at once and then one every `T`; no window edge ever lets twice the limit through in a short span.
///
/// **Fixed point.** Time is counted in ticks of `1 / ticksPerMicro` µs. `ticksPerMicro` is the denominator of
/// `periodMicros / limit` in lowest terms when that is at most 512, so `T` is a whole number of ticks and 100/min,
/// 7/s, 1000/hour, 499/hour or any limit up to 512 are exact over any run. Rarer rates use 512 ticks per µs with
/// `T` rounded up to a whole tick: they may admit slightly fewer requests than configured, never more.
///
/// **State word.** `tatMicros << 9 | tatTicks`: the TAT's whole microseconds since the Unix epoch (at most
/// 2^54 - 1) above the ticks beyond them (`0 ..< ticksPerMicro`) in the low 9 bits. 0 means "never used". A word
/// written under another rate is read with under 1 µs of error, so a policy change needs no migration.
///
/// **Clocks and corruption.** A clock that steps backwards leaves the TAT as it is: nothing drains until the clock
/// catches up. A TAT more than `2 * W` ahead of now cannot come from this policy (only from a clock stepped back
/// by more than a full window, a changed policy or a corrupted file); it is treated as idle rather than locking
/// the key out forever, because a rejected request never rewrites the word. Time is clamped to the years
/// 1970-2255 and all arithmetic saturates, so no state word, clock value or cost traps.
public struct RateLimitPolicy: Sendable, Equatable, Hashable {
    /// Bits of the state word below the TAT's whole microseconds.
    public static let fractionBits = 9
    /// The finest tick: 1/512 µs.
    public static let maxTicksPerMicro: Int64 = 1 << 9

    /// Requests sustained per period; values below 1 count as 1.
    public var limit: Int64 {
        didSet { self.fixPoint = Self.fixedPoint(limit: self.limit, periodMicros: self.periodMicros) }
    }
    /// The period in microseconds: 1 s, 60 s, 3600 s or 86400 s when parsed; values below 1 count as 1.
    public var periodMicros: Int64 {
        didSet { self.fixPoint = Self.fixedPoint(limit: self.limit, periodMicros: self.periodMicros) }
    }
    /// Requests admitted at once from idle; values below 1 count as 1.
    public var burst: Int64
    /// The policy name in `RateLimit-Policy`, `RateLimit` and `violated-policies`, e.g. `100-per-min`.
    public var name: String

    /// A limit of `limit` per `periodMicros`; `burst` defaults to `limit`, `name` to `<limit>-per-<unit>`.
    public init(limit: Int64, periodMicros: Int64, burst: Int64? = nil, name: String? = nil) {
        self.limit = limit
        self.periodMicros = periodMicros
        self.burst = burst ?? limit
        self.name = name ?? Self.defaultName(limit: limit, periodMicros: periodMicros)
        self.fixPoint = Self.fixedPoint(limit: limit, periodMicros: periodMicros)
    }

    /// ``ticksPerMicro`` and ``emissionIntervalTicks``, kept with `limit` and `periodMicros` (a function of them, so
    /// equality is unchanged): evaluation would otherwise find a greatest common divisor twice per request.
    private var fixPoint: (ticksPerMicro: Int64, intervalTicks: Int64)

    public static func == (lhs: RateLimitPolicy, rhs: RateLimitPolicy) -> Bool {
        lhs.limit == rhs.limit && lhs.periodMicros == rhs.periodMicros && lhs.burst == rhs.burst && lhs.name == rhs.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.limit)
        hasher.combine(self.periodMicros)
        hasher.combine(self.burst)
        hasher.combine(self.name)
    }

    /// Ticks per microsecond and the emission interval in ticks for `limit` per `periodMicros`.
    static func fixedPoint(limit: Int64, periodMicros: Int64) -> (ticksPerMicro: Int64, intervalTicks: Int64) {
        let (limit, period) = (max(limit, 1), max(periodMicros, 1))
        let ticksPerMicro = min(limit / Int64.greatestCommonDivisor(period, limit), Self.maxTicksPerMicro)
        return (ticksPerMicro, max(period.multipliedClamped(by: ticksPerMicro).dividedRoundingUp(by: limit), 1))
    }

    /// `<limit>-per-<unit>`: `100-per-min`, `7-per-s`, `1000-per-hour`, `10-per-day`; `5-per-90s` for other periods.
    public static func defaultName(limit: Int64, periodMicros: Int64) -> String {
        let unit: String
        switch periodMicros {
        case .microsPerSecond: unit = "s"
        case 60 * .microsPerSecond: unit = "min"
        case 3600 * .microsPerSecond: unit = "hour"
        case .microsPerDay: unit = "day"
        case let micros where micros > 0 && micros % .microsPerSecond == 0: unit = "\(micros / .microsPerSecond)s"
        default: unit = "\(periodMicros)us"
        }
        return "\(limit)-per-\(unit)"
    }

    /// Ticks per microsecond of this policy's fixed point: 1 to 512.
    public var ticksPerMicro: Int64 { self.fixPoint.ticksPerMicro }

    /// The emission interval `T` in ticks: exact when ``ticksPerMicro`` is below 512, else rounded up.
    public var emissionIntervalTicks: Int64 { self.fixPoint.intervalTicks }

    /// The emission interval `T` in whole microseconds, rounded up (for display; evaluation uses ticks).
    public var emissionIntervalMicros: Int64 {
        max(max(self.periodMicros, 1).dividedRoundingUp(by: max(self.limit, 1)), 1)
    }

    /// The TAT stored in `state`, in whole microseconds since the epoch (0 for a fresh word).
    public static func tatMicros(ofState state: UInt64) -> Int64 {
        Int64(min(state >> UInt64(Self.fractionBits), UInt64(Int64.latestTATMicros)))
    }

    /// Evaluates a request of `cost` at `nowMicros` against the TAT in `state`.
    ///
    /// A cost above ``burst`` is never admitted (`retryAfterMicros == Int64.max`). A cost of 0 (or below, which
    /// counts as 0) is admitted and leaves the word unchanged: a peek at ``LimitEvaluation/remaining``.
    /// The evaluation's `limit` is ``limit`` and its window ``periodMicros``, the draft's `q` and `w`.
    public func evaluating(state: UInt64, cost: Int64, nowMicros: Int64) -> LimitEvaluation {
        let ticksPerMicro = self.ticksPerMicro
        let interval = self.emissionIntervalTicks
        let burst = max(self.burst, 1)
        let window = interval.multipliedClamped(by: burst)
        let nowTicks = nowMicros.clampedLimitMicros * ticksPerMicro
        let cost = max(cost, 0)

        // Ticks of the window already spent; a TAT behind now has drained completely.
        var backlog = max(Self.ticks(ofState: state, ticksPerMicro: ticksPerMicro) - nowTicks, 0)
        if backlog > window.multipliedClamped(by: 2) {
            backlog = 0  // impossible for this policy: see "Clocks and corruption"
        }

        func evaluation(admitted: Bool, newState: UInt64, backlog: Int64, retryAfterMicros: Int64) -> LimitEvaluation {
            LimitEvaluation(
                admitted: admitted, newState: newState, remaining: max(window - backlog, 0) / interval,
                limit: max(self.limit, 1), resetMicros: backlog.dividedRoundingUp(by: ticksPerMicro),
                retryAfterMicros: retryAfterMicros, windowMicros: max(self.periodMicros, 1))
        }

        guard cost <= burst else {
            return evaluation(admitted: false, newState: state, backlog: backlog, retryAfterMicros: .max)
        }
        let newBacklog = backlog.addingClamped(interval.multipliedClamped(by: cost))
        guard newBacklog <= window else {
            // The earliest whole microsecond at which the new TAT fits in the window.
            let retryAfter = (newBacklog - window).dividedRoundingUp(by: ticksPerMicro)
            return evaluation(admitted: false, newState: state, backlog: backlog, retryAfterMicros: retryAfter)
        }
        let newState =
            cost == 0 ? state : Self.state(ofTicks: nowTicks.addingClamped(newBacklog), ticksPerMicro: ticksPerMicro)
        return evaluation(admitted: true, newState: newState, backlog: newBacklog, retryAfterMicros: 0)
    }

    /// The TAT in `state` as ticks since the epoch.
    static func ticks(ofState state: UInt64, ticksPerMicro: Int64) -> Int64 {
        let fraction = min(Int64(state & UInt64(Self.maxTicksPerMicro - 1)), ticksPerMicro - 1)
        return Self.tatMicros(ofState: state) * ticksPerMicro + fraction
    }

    /// The state word for a TAT of `ticks` (non-negative) since the epoch.
    static func state(ofTicks ticks: Int64, ticksPerMicro: Int64) -> UInt64 {
        var (micros, fraction) = ticks.quotientAndRemainder(dividingBy: ticksPerMicro)
        if micros > .latestTATMicros {
            (micros, fraction) = (.latestTATMicros, ticksPerMicro - 1)
        }
        return UInt64(micros) << UInt64(Self.fractionBits) | UInt64(fraction)
    }
}
