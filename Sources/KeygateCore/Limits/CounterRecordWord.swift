/// The sixteen 64-bit words of a key's 128-byte record in the counters file, by name and position.
///
/// The positions are the file's layout (``rawValue`` is the word's index in the record): every process mapping the
/// file, and every file written since layout version 1, reads a word by the same position, so a case never moves.
/// It reads like nginx's `ngx_http_limit_req_node_t`, one field per line:
///
/// | word | holds |
/// |---|---|
/// | 0 | the lease (`LeaseWord`: owner pid, start time, hold sequence) |
/// | 1 | nothing (always zero) |
/// | 2-5 | the GCRA state of the rate limit per second, minute, hour, day |
/// | 6, 7 | the daily and the monthly quota |
/// | 8 | the credit balance |
/// | 9, 10 | requests admitted and rejected since the file was created |
/// | 11 | the fingerprint of the key that owns the record |
/// | 12, 13 | the admitted and rejected counts already rolled up into SQLite |
/// | 14, 15 | rate limits with other periods (two at most) |
///
/// Which policy of a key uses which policy word is decided in one place, ``PolicyWords/assigning(_:)``.
public enum CounterRecordWord: Int, CaseIterable, Sendable {
    case lease = 0
    case reserved = 1
    case ratePerSecond = 2
    case ratePerMinute = 3
    case ratePerHour = 4
    case ratePerDay = 5
    case dailyQuota = 6
    case monthlyQuota = 7
    case credits = 8
    case admitted = 9
    case rejected = 10
    case owner = 11
    case rolledAdmitted = 12
    case rolledRejected = 13
    case otherRate = 14
    case secondOtherRate = 15

    /// Words in a record: 16, so a record is 128 bytes (two cache lines).
    public static let count = 16

    /// The words that hold policy state (rate limits, quotas, credits): what a snapshot keeps and restores.
    public static let policyWords: [CounterRecordWord] = [
        .ratePerSecond, .ratePerMinute, .ratePerHour, .ratePerDay, .dailyQuota, .monthlyQuota, .credits, .otherRate,
        .secondOtherRate,
    ]

    /// The word of a rate limit with period `periodMicros`, when the record has one for that period.
    static func rate(periodMicros: Int64) -> CounterRecordWord? {
        switch periodMicros {
        case .microsPerSecond: return .ratePerSecond
        case 60 * .microsPerSecond: return .ratePerMinute
        case 3600 * .microsPerSecond: return .ratePerHour
        case .microsPerDay: return .ratePerDay
        default: return nil
        }
    }
}
