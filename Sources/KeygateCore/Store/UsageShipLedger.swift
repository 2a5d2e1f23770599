/// What a host's agent has sent of its usage totals to the shared store, and so which to read and send next.
///
/// The shared store keeps, per host, key and day, the larger of what it has and what it is sent (column by column),
/// and a host's totals only grow: sending a total twice, late or out of order changes nothing, and the sum over hosts
/// is the total. The ledger only saves round trips; it never decides whether a count is kept. Until one round has
/// gone through, a round covers the last ``startDays`` days (what changed while the agent was down or the store
/// unreachable); after that, yesterday and today (UTC), the only days a roll-up writes to.
public struct UsageShipLedger: Sendable {
    /// Days a round covers until the first round is stored: the catch-up after a restart.
    public static let startDays: Int64 = 40

    /// A key and day.
    struct Cell: Hashable {
        var keyID: String
        var day: String
    }

    /// The totals stored in the shared store, as this ledger sent them.
    private var sent: [Cell: (admitted: Int64, rejected: Int64)] = [:]
    /// Whether a round covering ``startDays`` days was stored.
    public private(set) var caughtUp = false

    public init() {}

    /// The first day (`YYYY-MM-DD`, inclusive) the round at `nowSeconds` reads from the host's `usage_daily`.
    public func firstDay(nowSeconds: Int64) -> String {
        let back = self.caughtUp ? 1 : Self.startDays - 1
        return String(Timestamp.iso8601(nowSeconds - back * 86_400).prefix(10))
    }

    /// The totals of `current` (read from `firstDay(nowSeconds:)` on) that the shared store has not been sent as they
    /// are now, in the order given.
    public func unsent(_ current: [UsageTotal]) -> [UsageTotal] {
        current.filter { total in
            guard let stored = self.sent[Cell(keyID: total.keyID, day: total.day)] else { return true }
            return stored.admitted != total.admitted || stored.rejected != total.rejected
        }
    }

    /// Records that the round at `nowSeconds` stored `totals` (call only once the store committed them), and forgets
    /// days no later round reads.
    public mutating func recordStored(_ totals: [UsageTotal], nowSeconds: Int64) {
        for total in totals {
            self.sent[Cell(keyID: total.keyID, day: total.day)] = (total.admitted, total.rejected)
        }
        self.caughtUp = true
        let oldest = self.firstDay(nowSeconds: nowSeconds)
        self.sent = self.sent.filter { $0.key.day >= oldest }
    }
}
