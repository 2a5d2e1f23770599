/// Lets one log line of a kind through per interval and counts the ones it held back, so that a condition met by
/// every request (a stuck lease holder) logs once in a while, not thousands of times a second.
public struct LogThrottle: Sendable {
    public let intervalMillis: Int64
    private var lastMillis: Int64?
    private var held = 0

    public init(intervalMillis: Int64) {
        self.intervalMillis = intervalMillis
    }

    /// Whether a line may be written at `nowMillis`: the number of lines held back since the last one written, or
    /// `nil` to hold this one back too.
    public mutating func allowing(nowMillis: Int64) -> Int? {
        if let last = self.lastMillis, nowMillis - last < self.intervalMillis {
            self.held += 1
            return nil
        }
        defer { self.held = 0 }
        self.lastMillis = nowMillis
        return self.held
    }
}
