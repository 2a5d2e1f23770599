import KeygateCore

/// Durations and UTC instants for the limit tests, in microseconds.
///
/// Instants come from `date -u -d … +%s`, so the calendar code is checked against an independent source.
enum LimitTime {
    static let second: Int64 = 1_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 3600 * second
    static let day: Int64 = 86_400 * second
    static let year: Int64 = 365 * day

    /// 2026-01-01T00:00:00Z, the start of most scenarios.
    static let newYear2026: Int64 = 1_767_225_600 * second

    /// `epochSeconds` (a midnight from `date -u +%s`) plus an offset, in microseconds.
    static func utc(_ epochSeconds: Int64, plus offsetMicros: Int64 = 0) -> Int64 {
        epochSeconds * second + offsetMicros
    }
}

/// One policy's state word, committed only when an evaluation admits, as the shared-memory layer does.
struct LimitWord {
    var state: UInt64 = 0

    /// Evaluates with `evaluate` and commits the new word if the request is admitted.
    mutating func request(_ evaluate: (UInt64) -> LimitEvaluation) -> LimitEvaluation {
        let evaluation = evaluate(self.state)
        if evaluation.admitted {
            self.state = evaluation.newState
        } else {
            assert(evaluation.newState == self.state)
        }
        return evaluation
    }
}
