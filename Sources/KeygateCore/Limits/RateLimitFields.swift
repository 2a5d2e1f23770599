/// Which rate-limit fields an answer carries, set per HTTP listener (`?ratelimit=`): every one (the default), only the
/// IETF draft's, or none. Each line a front end does not forward still costs it a header line to parse (about 1,000
/// instructions in nginx), so a front end that never passes them on can be spared them.
///
/// `Retry-After` on a limit denial is always sent: it is how a client learns when to come back.
public enum RateLimitFields: String, Sendable, Equatable, CaseIterable {
    /// `RateLimit-Policy`, `RateLimit` and `X-RateLimit-Limit/-Remaining/-Reset`.
    case all
    /// `RateLimit-Policy` and `RateLimit` only (draft-ietf-httpapi-ratelimit-headers).
    case ietf
    /// None.
    case none
}
