/// A balance of credits that requests spend, with an optional daily or monthly refill (Unkey's `remaining`).
///
/// A refill **sets** the balance to its amount at 00:00 UTC of each refill day; unspent credits do not carry over.
/// It is applied lazily, by the first request after the refill instant. A fresh key starts with ``initial`` and
/// gets its first refill at the next refill instant.
///
/// **State word.** `1 << 63 | refillPeriodIndex << 32 | remaining`. Bit 63 marks a word this policy has written,
/// so the fresh word 0 means "``initial`` credits, nothing spent". Bits 32-62 hold the index of the refill period the
/// balance belongs to (days since 1970-01-01 for a daily refill; for a monthly one, months since 1970-01 of the
/// latest refill day; 0 without refill). The low 32 bits hold the balance. As for quotas, an index one ahead of
/// now's (a clock stepped back across a refill) is kept, and one further ahead is corrupt and read as refilled.
public struct CreditPolicy: Sendable, Equatable, Hashable {
    /// When the balance is set back to an amount.
    public enum Refill: Sendable, Hashable {
        /// Never: spent credits are gone.
        case none
        /// At 00:00 UTC every day.
        case daily(amount: Int64)
        /// At 00:00 UTC on `day` (1-31) of every month; a day past the month's end means its last day.
        case monthly(amount: Int64, day: Int)
    }

    /// Bit 63 of the state word: set once the policy has written it.
    public static let writtenFlag: UInt64 = 1 << 63

    /// The balance of a fresh key; values outside `0...UInt32.max` are clamped.
    public var initial: Int64
    public var refill: Refill
    /// The policy name in headers; `credits` by default.
    public var name: String

    public init(initial: Int64, refill: Refill = .none, name: String = "credits") {
        self.initial = initial
        self.refill = refill
        self.name = name
    }

    /// The refill amount, or ``initial`` without refill: the draft's `q`.
    public var quota: Int64 {
        switch self.refill {
        case .none: return Self.clampedCredits(self.initial)
        case .daily(let amount), .monthly(let amount, _): return Self.clampedCredits(amount)
        }
    }

    /// The latest refill instant at or before `nowMicros`, in microseconds since the epoch; `nil` without refill.
    public func lastRefillMicros(atOrBefore nowMicros: Int64) -> Int64? {
        guard let index = self.refillPeriodIndex(containing: nowMicros) else { return nil }
        return self.refillMicros(ofPeriod: index)
    }

    /// The first refill instant after `nowMicros`, in microseconds since the epoch; `nil` without refill.
    public func nextRefillMicros(after nowMicros: Int64) -> Int64? {
        guard let index = self.refillPeriodIndex(containing: nowMicros) else { return nil }
        return self.refillMicros(ofPeriod: index + 1)
    }

    /// The index of the refill period containing `nowMicros` (see the state word), `nil` without refill.
    func refillPeriodIndex(containing nowMicros: Int64) -> Int64? {
        let day = nowMicros.clampedLimitMicros / .microsPerDay
        switch self.refill {
        case .none:
            return nil
        case .daily:
            return day
        case .monthly(_, let refillDay):
            let date = CivilDate(daysSinceEpoch: day)
            let refillsThisMonth = date.day >= min(Int64(min(max(refillDay, 1), 31)), date.daysInMonth)
            return max(refillsThisMonth ? date.monthIndex : date.monthIndex - 1, 0)
        }
    }

    /// The refill instant that starts period `index`, in microseconds since the epoch.
    func refillMicros(ofPeriod index: Int64) -> Int64 {
        switch self.refill {
        case .none, .daily:
            return index * .microsPerDay
        case .monthly(_, let refillDay):
            let first = CivilDate(monthIndex: index)
            let day = min(Int64(min(max(refillDay, 1), 31)), first.daysInMonth)
            return (first.daysSinceEpoch + day - 1) * .microsPerDay
        }
    }

    /// Evaluates a request of `cost` at `nowMicros` against the balance in `state`.
    ///
    /// Admitted iff `cost <= remaining`; there is no partial spend. A rejection waits for the next refill, or
    /// forever (`Int64.max`) without refill or when the cost exceeds the refill amount. A cost of 0 (or below) is
    /// admitted and leaves the word unchanged. The evaluation's window is the current refill period, 0 without.
    public func evaluating(state: UInt64, cost: Int64, nowMicros: Int64) -> LimitEvaluation {
        let now = nowMicros.clampedLimitMicros
        let nowIndex = self.refillPeriodIndex(containing: now)
        let storedIndex = Int64(state >> 32 & 0x7FFF_FFFF)
        let storedRemaining = Int64(state & 0xFFFF_FFFF)
        let (index, remaining): (Int64, Int64)
        if state & Self.writtenFlag == 0 {
            (index, remaining) = (nowIndex ?? 0, Self.clampedCredits(self.initial))
        } else if let nowIndex, storedIndex != nowIndex && storedIndex != nowIndex + 1 {
            (index, remaining) = (nowIndex, self.quota)  // refilled since the word was written
        } else {
            (index, remaining) = (storedIndex, storedRemaining)
        }
        let cost = max(cost, 0)
        let next = nowIndex.map { _ in self.refillMicros(ofPeriod: index + 1) }
        let reset = next.map { max($0 - now, 0) } ?? .max
        let window = next.map { $0 - self.refillMicros(ofPeriod: index) } ?? 0

        func evaluation(admitted: Bool, newState: UInt64, remaining: Int64, retryAfter: Int64) -> LimitEvaluation {
            LimitEvaluation(
                admitted: admitted, newState: newState, remaining: remaining, limit: self.quota, resetMicros: reset,
                retryAfterMicros: retryAfter, windowMicros: window)
        }

        guard cost <= remaining else {
            let retryAfter = nowIndex == nil || cost > self.quota ? Int64.max : reset
            return evaluation(admitted: false, newState: state, remaining: remaining, retryAfter: retryAfter)
        }
        let newState = cost == 0 ? state : Self.writtenFlag | UInt64(index) << 32 | UInt64(remaining - cost)
        return evaluation(admitted: true, newState: newState, remaining: remaining - cost, retryAfter: 0)
    }

    static func clampedCredits(_ credits: Int64) -> Int64 { min(max(credits, 0), Int64(UInt32.max)) }
}
