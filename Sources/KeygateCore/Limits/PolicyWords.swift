/// Which word of a key's counter record holds the state of each of its policies: one word per policy, never shared.
///
/// Derived from the policies alone, here and nowhere else: a rate limit per second, minute, hour or day keeps its
/// state in that period's word, a limit with any other period in the first free of the two spare rate words, a quota
/// in its window's word and credits in the credit word (``CounterRecordWord``). Policies that would share a word (two
/// limits per minute, two daily quotas) or a third limit with an unusual period do not fit a record:
/// ``assigning(_:)`` returns that as a ``CounterRecordMisfit`` value, for the code that accepts policies to refuse
/// them. The counters never see such a set.
public struct PolicyWords: Sendable, Equatable {
    /// How many policies the words are for: ``PolicySet/stateCount``.
    public private(set) var count = 0
    /// The word index of position `p` (in ``PolicySet`` state order) in bits `4p ..< 4p + 4`: inline, no allocation.
    private var packed: UInt64 = 0
    /// One bit per word of the record already given to a policy.
    private var taken: UInt16 = 0

    private init() {}

    /// The words of `policies` in ``PolicySet`` state order, or why they do not fit one counter record.
    public static func assigning(_ policies: PolicySet) -> Result<PolicyWords, CounterRecordMisfit> {
        var words = PolicyWords()
        for limit in policies.rateLimits {
            let word: CounterRecordWord
            if let periodWord = CounterRecordWord.rate(periodMicros: limit.periodMicros) {
                word = periodWord
            } else if !words.holds(.otherRate) {
                word = .otherRate
            } else if !words.holds(.secondOtherRate) {
                word = .secondOtherRate
            } else {
                return .failure(.noSpareWord(policy: limit.name))
            }
            if let misfit = words.appending(word, for: limit.name, in: policies) { return .failure(misfit) }
        }
        for quota in policies.quotas {
            let word: CounterRecordWord = quota.window == .day ? .dailyQuota : .monthlyQuota
            if let misfit = words.appending(word, for: quota.name, in: policies) { return .failure(misfit) }
        }
        if let credits = policies.credits {
            if let misfit = words.appending(.credits, for: credits.name, in: policies) { return .failure(misfit) }
        }
        return .success(words)
    }

    /// The word holding the state of the policy at `position`, in ``PolicySet`` state order.
    public subscript(position: Int) -> CounterRecordWord {
        precondition(position >= 0 && position < self.count, "policy \(position) of \(self.count)")
        return CounterRecordWord(rawValue: Int(truncatingIfNeeded: self.packed >> UInt64(4 * position) & 0xF))!
    }

    /// Whether some policy keeps its state in `word`.
    public func holds(_ word: CounterRecordWord) -> Bool {
        self.taken & 1 << UInt16(word.rawValue) != 0
    }

    /// Gives `word` to the next policy (named `name`); the misfit if an earlier policy of `policies` has it.
    private mutating func appending(_ word: CounterRecordWord, for name: String, in policies: PolicySet)
        -> CounterRecordMisfit?
    {
        guard !self.holds(word) else {
            let first = (0..<self.count).first { self[$0] == word } ?? 0
            return .sharedWord(word, first: policies.names[first], second: name)
        }
        self.taken |= 1 << UInt16(word.rawValue)
        self.packed |= UInt64(word.rawValue) << UInt64(4 * self.count)
        self.count += 1
        return nil
    }
}
