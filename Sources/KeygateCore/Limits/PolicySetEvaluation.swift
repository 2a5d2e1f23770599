/// The verdict of a ``PolicySet`` on one request, and the state words to commit if it was admitted.
public struct PolicySetEvaluation: Sendable, Equatable {
    /// Whether every policy admits the request.
    public var admitted: Bool
    /// One evaluation per policy, in state-word order.
    public var evaluations: [LimitEvaluation]
    /// Names of the policies that reject the request, in state-word order; empty if admitted.
    public var violated: [String]
    /// Zero if admitted; else the longest wait over the violated policies, `Int64.max` if one of them never admits.
    public var retryAfterMicros: Int64

    public init(admitted: Bool, evaluations: [LimitEvaluation], violated: [String], retryAfterMicros: Int64) {
        self.admitted = admitted
        self.evaluations = evaluations
        self.violated = violated
        self.retryAfterMicros = retryAfterMicros
    }

    /// The words to commit: each policy's new word if admitted, the old words unchanged if not (each evaluation's
    /// ``LimitEvaluation/newState`` is its old word then). Built when asked: the counters read the evaluations.
    public var newStates: [UInt64] { self.evaluations.map(\.newState) }
}
