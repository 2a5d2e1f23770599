/// One key's request counts for one UTC day, as recorded in `usage_daily`.
public struct UsageDay: Sendable, Equatable {
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    /// Requests the limits let through.
    public var admitted: Int64
    /// Requests a limit, quota or credit balance refused.
    public var rejected: Int64

    public init(day: String, admitted: Int64, rejected: Int64) {
        self.day = day
        self.admitted = admitted
        self.rejected = rejected
    }
}
