/// Why a set of policies does not fit one key's counter record: the value ``PolicyWords/assigning(_:)`` refuses with.
///
/// ``description`` is the message for the administrator, e.g.
/// `policies '5-per-min' and '10-per-min' would share the counter word for rate limits per minute: keep one`.
public enum CounterRecordMisfit: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two policies would keep their state in the same word (two limits per minute, two monthly quotas).
    case sharedWord(CounterRecordWord, first: String, second: String)
    /// A third rate limit with a period other than 1 s, 1 min, 1 hour or 1 day: the record has two spare words.
    case noSpareWord(policy: String)

    public var description: String {
        switch self {
        case .sharedWord(let word, let first, let second):
            return "policies '\(first)' and '\(second)' would share the counter word for \(Self.noun(word)): keep one"
        case .noSpareWord(let policy):
            return "rate limit '\(policy)' does not fit: a counter record holds two limits with periods other than "
                + "1 s, 1 min, 1 hour or 1 day"
        }
    }

    /// What `word` holds, in words.
    static func noun(_ word: CounterRecordWord) -> String {
        switch word {
        case .ratePerSecond: return "rate limits per second"
        case .ratePerMinute: return "rate limits per minute"
        case .ratePerHour: return "rate limits per hour"
        case .ratePerDay: return "rate limits per day"
        case .dailyQuota: return "daily quotas"
        case .monthlyQuota: return "monthly quotas"
        case .credits: return "credits"
        case .otherRate, .secondOtherRate: return "rate limits with other periods"
        case .lease, .reserved, .admitted, .rejected, .owner, .rolledAdmitted, .rolledRejected: return "\(word)"
        }
    }
}
