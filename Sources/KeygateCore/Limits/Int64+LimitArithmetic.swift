/// Clamping integer arithmetic for the limit algorithms, which must never trap on any state word or clock value.
extension Int64 {
    /// Microseconds in one second, the unit of `Retry-After` and of the header fields.
    static let microsPerSecond: Int64 = 1_000_000
    /// Microseconds in one UTC day.
    static let microsPerDay: Int64 = 86_400_000_000
    /// The latest clock value the limit algorithms represent: 2^53 - 1 µs after the epoch, in the year 2255.
    ///
    /// Later clock values are treated as this instant, earlier than the epoch as the epoch.
    static let latestLimitMicros: Int64 = (1 << 53) - 1
    /// The latest TAT a rate-limit state word holds: 2^54 - 1 µs, another 142 years after the latest clock value.
    static let latestTATMicros: Int64 = (1 << 54) - 1

    /// This instant clamped to `0...latestLimitMicros`, the range every limit algorithm works in.
    var clampedLimitMicros: Int64 { Swift.min(Swift.max(self, 0), .latestLimitMicros) }

    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = self.addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self * other`, clamped to `Int64.min...Int64.max` instead of trapping.
    func multipliedClamped(by other: Int64) -> Int64 {
        let (product, overflow) = self.multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }

    /// `self / divisor` rounded towards positive infinity; `self >= 0`, `divisor > 0`.
    func dividedRoundingUp(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor == 0 ? quotient : quotient + 1
    }

    /// `self / divisor` rounded towards negative infinity; `divisor > 0`.
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }

    /// Whole seconds, rounded up, of a non-negative microsecond duration.
    var secondsRoundingUp: Int64 { Swift.max(self, 0).dividedRoundingUp(by: .microsPerSecond) }

    /// The greatest common divisor of two positive numbers.
    static func greatestCommonDivisor(_ a: Int64, _ b: Int64) -> Int64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
