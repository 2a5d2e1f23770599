/// What one policy says about one request: admit or not, the state word to commit, and the numbers for headers.
///
/// Durations are microseconds from the `nowMicros` the policy was evaluated at. `Int64.max` means "never".
public struct LimitEvaluation: Sendable, Equatable {
    /// Whether this policy alone admits the request.
    public var admitted: Bool
    /// The word to compare-and-exchange in if the whole request is admitted; equal to the old word otherwise.
    public var newState: UInt64
    /// Requests (of cost 1) still available: after this request if admitted, else before it; never negative.
    public var remaining: Int64
    /// The policy's quota `q`: requests per period for a rate limit, per window for a quota, credits per refill.
    public var limit: Int64
    /// Time until the policy is fully replenished (rate limit), its window ends (quota) or the next refill
    /// (credits): the draft's "effective window" `t`. `Int64.max` for credits that never refill.
    public var resetMicros: Int64
    /// Zero if admitted; else the exact wait until a request of the same cost would be admitted, or `Int64.max`
    /// if no wait suffices (cost above the burst, the quota or the refill amount; credits without refill).
    public var retryAfterMicros: Int64
    /// The policy's window `w`: the period of a rate limit, the length of the current quota window or refill
    /// period; zero when there is none (credits without refill).
    public var windowMicros: Int64

    public init(
        admitted: Bool, newState: UInt64, remaining: Int64, limit: Int64, resetMicros: Int64, retryAfterMicros: Int64,
        windowMicros: Int64
    ) {
        self.admitted = admitted
        self.newState = newState
        self.remaining = remaining
        self.limit = limit
        self.resetMicros = resetMicros
        self.retryAfterMicros = retryAfterMicros
        self.windowMicros = windowMicros
    }
}
