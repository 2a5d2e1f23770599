public import KeygateStore

/// One key's counts for one UTC day from one source: a host's totals, or (`host == nil`) the rows written to
/// `usage_daily` itself (by `addUsage`, e.g. a migration from SQLite).
public struct HostUsageDay: Sendable, Equatable {
    /// The host's `--cluster-node` name, or `nil` for the counts stored in `usage_daily`.
    public var host: String?
    public var usage: UsageDay

    public init(host: String?, usage: UsageDay) {
        self.host = host
        self.usage = usage
    }
}
