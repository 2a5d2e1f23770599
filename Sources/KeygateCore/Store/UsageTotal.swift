/// One key's request totals for one UTC day on one host, as that host's agent sends them to the shared store.
///
/// Totals only grow: they are what the host's own `usage_daily` holds, which its roll-up only adds to.
public struct UsageTotal: Sendable, Hashable {
    /// The key id (`kid_…`).
    public var keyID: String
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    /// Requests the limits let through on this host that day, in all.
    public var admitted: Int64
    /// Requests a limit, quota or credit balance refused on this host that day, in all.
    public var rejected: Int64

    public init(keyID: String, day: String, admitted: Int64, rejected: Int64) {
        self.keyID = keyID
        self.day = day
        self.admitted = admitted
        self.rejected = rejected
    }
}
