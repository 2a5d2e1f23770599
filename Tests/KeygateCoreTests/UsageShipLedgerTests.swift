import KeygateCore
import Testing

/// Which usage totals a host's agent reads and sends: 40 days until a round is stored, then yesterday and today;
/// only totals that changed since they were stored.
struct UsageShipLedgerTests {
    /// 2026-12-01T12:00:00Z.
    static let noon: Int64 = 1_796_126_400

    static func total(_ key: String, _ day: String, _ admitted: Int64, _ rejected: Int64 = 0) -> UsageTotal {
        UsageTotal(keyID: key, day: day, admitted: admitted, rejected: rejected)
    }

    @Test func fortyDaysUntilARoundIsStoredThenYesterdayAndToday() {
        var ledger = UsageShipLedger()
        #expect(String(Timestamp.iso8601(Self.noon).prefix(10)) == "2026-12-01")
        #expect(ledger.firstDay(nowSeconds: Self.noon) == "2026-10-23")
        #expect(!ledger.caughtUp)
        ledger.recordStored([], nowSeconds: Self.noon)
        #expect(ledger.caughtUp)
        #expect(ledger.firstDay(nowSeconds: Self.noon) == "2026-11-30")
        // Just after midnight, yesterday is the day that may still get the last roll-up.
        #expect(ledger.firstDay(nowSeconds: Self.noon + 12 * 3_600 + 1) == "2026-12-01")
    }

    @Test func onlyTotalsThatChangedSinceTheyWereStoredAreSentAgain() {
        var ledger = UsageShipLedger()
        let first = [Self.total("kid_a", "2026-11-30", 5), Self.total("kid_a", "2026-12-01", 7, 1)]
        #expect(ledger.unsent(first) == first)
        ledger.recordStored(first, nowSeconds: Self.noon)
        #expect(ledger.unsent(first).isEmpty)
        let later = [
            Self.total("kid_a", "2026-11-30", 5), Self.total("kid_a", "2026-12-01", 7, 2),
            Self.total("kid_b", "2026-12-01", 1),
        ]
        #expect(ledger.unsent(later) == Array(later.dropFirst()), "a rejected count that grew, and a new key")
    }

    @Test func aRoundThatFailedIsSentWholeNextTime() {
        var ledger = UsageShipLedger()
        let totals = [Self.total("kid_a", "2026-11-02", 3), Self.total("kid_a", "2026-12-01", 9)]
        // Nothing recorded: the store did not commit. The next round still reads 40 days and sends both.
        #expect(ledger.unsent(totals) == totals)
        #expect(ledger.firstDay(nowSeconds: Self.noon + 10) == "2026-10-23")
        ledger.recordStored(totals, nowSeconds: Self.noon + 10)
        #expect(ledger.unsent([totals[1]]).isEmpty, "today's, stored, is not sent again (November 2 is no longer read)")
    }

    @Test func daysNoRoundReadsAreForgotten() {
        var ledger = UsageShipLedger()
        let old = Self.total("kid_a", "2026-11-29", 4)
        ledger.recordStored([old], nowSeconds: Self.noon)
        // Read again (were it read), it counts as unsent: the ledger kept no memory of a day it no longer reads.
        #expect(ledger.unsent([old]) == [old])
        let recent = Self.total("kid_a", "2026-11-30", 4)
        ledger.recordStored([recent], nowSeconds: Self.noon)
        #expect(ledger.unsent([recent]).isEmpty)
    }
}
