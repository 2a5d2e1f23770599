/// One key slot's policy words (rate limits, quotas, credits) as of a usage roll-up, with the key they belong to.
public struct CounterSnapshot: Equatable, Sendable {
    public var slot: Int
    /// The fingerprint of the key whose words these are (as stamped in the counters record).
    public var owner: UInt64
    /// The record's words, in counters-file order; words that are not policy state are zero.
    public var words: [UInt64]
    public var savedAtSeconds: Int64
    /// The id of the key in `slot` now, `nil` if the slot is free (filled in when reading).
    public var currentKeyID: String?

    public init(slot: Int, owner: UInt64, words: [UInt64], savedAtSeconds: Int64, currentKeyID: String? = nil) {
        self.slot = slot
        self.owner = owner
        self.words = words
        self.savedAtSeconds = savedAtSeconds
        self.currentKeyID = currentKeyID
    }
}
