/// A quota for billing: at most `limit` requests per UTC calendar day or month, reset on the boundary.
///
/// **State word.** `windowIndex << 32 | used`: the window's index in the high 32 bits (days since 1970-01-01 for
/// ``Window/day``, months since 1970-01 for ``Window/month``) and the cost used in it in the low 32 bits. A stored
/// index older than now's means nothing is used yet, so the reset needs no request at the boundary; 0 is a fresh
/// word. An index exactly one ahead of now's comes from a clock stepped back across a boundary: that window and its
/// count stay in force until it ends. An index further ahead is corrupt and read as a fresh window, because a
/// rejected request never rewrites the word and anything else would lock the key out for good.
public struct QuotaPolicy: Sendable, Equatable, Hashable {
    /// A UTC calendar window.
    public enum Window: String, Sendable, Hashable, CaseIterable {
        /// 00:00 to 24:00 UTC.
        case day
        /// The first of the month 00:00 UTC to the first of the next, 28 to 31 days.
        case month
    }

    /// The cost admitted per window; values outside `0...UInt32.max` are clamped.
    public var limit: Int64
    public var window: Window
    /// The policy name in headers, e.g. `10000-per-day`.
    public var name: String

    /// A quota of `limit` per `window`; `name` defaults to `<limit>-per-<window>`, e.g. `10000-per-day`.
    public init(limit: Int64, window: Window, name: String? = nil) {
        self.limit = limit
        self.window = window
        self.name = name ?? "\(limit)-per-\(window.rawValue)"
    }

    /// The start of the window containing `nowMicros`, in microseconds since the epoch.
    public func windowStartMicros(containing nowMicros: Int64) -> Int64 {
        self.startMicros(ofWindow: self.windowIndex(containing: nowMicros))
    }

    /// The end of the window containing `nowMicros` (the start of the next), in microseconds since the epoch.
    public func windowEndMicros(containing nowMicros: Int64) -> Int64 {
        self.startMicros(ofWindow: self.windowIndex(containing: nowMicros) + 1)
    }

    /// The index of the window containing `nowMicros`: days or months since the epoch's.
    public func windowIndex(containing nowMicros: Int64) -> Int64 {
        let day = nowMicros.clampedLimitMicros / .microsPerDay
        switch self.window {
        case .day: return day
        case .month: return CivilDate(daysSinceEpoch: day).monthIndex
        }
    }

    /// The start of window `index`, in microseconds since the epoch.
    func startMicros(ofWindow index: Int64) -> Int64 {
        switch self.window {
        case .day: return index * .microsPerDay
        case .month: return CivilDate(monthIndex: index).daysSinceEpoch * .microsPerDay
        }
    }

    /// Evaluates a request of `cost` at `nowMicros` against the window and count in `state`.
    ///
    /// Admitted iff `used + cost <= limit`; a cost above ``limit`` is never admitted (`retryAfterMicros ==
    /// Int64.max`), any other rejection waits until the window ends. A cost of 0 (or below) is admitted and leaves
    /// the word unchanged. The evaluation's window is the length of the current day or month.
    public func evaluating(state: UInt64, cost: Int64, nowMicros: Int64) -> LimitEvaluation {
        let now = nowMicros.clampedLimitMicros
        let nowIndex = self.windowIndex(containing: now)
        let storedIndex = Int64(state >> 32)
        let (index, used) =
            storedIndex == nowIndex || storedIndex == nowIndex + 1
            ? (storedIndex, Int64(state & 0xFFFF_FFFF)) : (nowIndex, 0)
        let limit = min(max(self.limit, 0), Int64(UInt32.max))
        let available = max(limit - used, 0)
        let start = self.startMicros(ofWindow: index)
        let end = self.startMicros(ofWindow: index + 1)
        let cost = max(cost, 0)

        func evaluation(admitted: Bool, newState: UInt64, remaining: Int64, retryAfter: Int64) -> LimitEvaluation {
            LimitEvaluation(
                admitted: admitted, newState: newState, remaining: remaining, limit: limit, resetMicros: end - now,
                retryAfterMicros: retryAfter, windowMicros: end - start)
        }

        guard cost <= available else {
            let retryAfter = cost > limit ? Int64.max : end - now
            return evaluation(admitted: false, newState: state, remaining: available, retryAfter: retryAfter)
        }
        let newState = cost == 0 ? state : UInt64(index) << 32 | UInt64(used + cost)
        return evaluation(admitted: true, newState: newState, remaining: available - cost, retryAfter: 0)
    }
}
