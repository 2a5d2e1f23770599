import KeygateCore
import KeygateSystem
import KeygateZone
import Testing

@testable import KeygateServer

/// The shared metrics table: one writer per slot, sums over every slot, slots handed on with their counts.
struct MetricsTableTests {
    @Test func totalsAddUpEverySlotAndTheHistogramBuckets() throws {
        let table = try MetricsTable(capacity: 4)
        let first = table.slot(0)
        let second = table.slot(3)
        first.recordDecision(.allow, nanos: 800)  // ≤ 1 µs
        first.recordDecision(.allow, nanos: 1_000)  // ≤ 1 µs: bounds are inclusive
        second.recordDecision(.revoked, nanos: 30_000)  // ≤ 50 µs
        second.recordDecision(.rateLimited, nanos: 5_000_000_000)  // above every bound
        first.count(.keyCacheHits, 3)
        second.count(.keyCacheMisses)
        let totals = table.totals()
        #expect(totals.decisions(.allow) == 2)
        #expect(totals.decisions(.revoked) == 1)
        #expect(totals.decisions(.rateLimited) == 1)
        #expect(totals.decisions(.missing) == 0)
        var expected = [UInt64](repeating: 0, count: MetricsSlot.durationBoundsNanos.count + 1)
        expected[0] = 2
        expected[5] = 1
        expected[MetricsSlot.durationBoundsNanos.count] = 1
        #expect(totals.durationBuckets == expected)
        #expect(totals.durationSumNanos == 5_000_031_800)
        #expect(totals[.keyCacheHits] == 3 && totals[.keyCacheMisses] == 1)
    }

    @Test func aSlotHandedOnKeepsItsCountersButNotItsGauges() throws {
        let table = try MetricsTable(capacity: 2)
        let dying = table.slot(1)
        dying.connectionOpened(listener: 2)
        dying.connectionOpened(listener: 2)
        dying.connectionClosed(listener: 2)
        dying.recordDecision(.allow, nanos: 10)
        #expect(table.totals().connectionsOpen(listener: 2) == 1)
        // The process died with a connection open; its successor starts with none, and counts on from 1.
        table.prepareSlot(1)
        let successor = table.slot(1)
        successor.recordDecision(.allow, nanos: 10)
        let totals = table.totals()
        #expect(totals.connectionsOpen(listener: 2) == 0)
        #expect(totals.connectionsAccepted(listener: 2) == 2)
        #expect(totals.decisions(.allow) == 2)
    }

    @Test func aChildMapsTheSameBytesThroughItsDescriptorAndRefusesAnotherLayout() throws {
        let table = try MetricsTable(capacity: 8)
        let child = try MetricsTable(inheritedDescriptor: table.mapping.descriptor, capacity: 8)
        child.slot(5).recordDecision(.expired, nanos: 1)
        table.set(.workersReady, 3)
        #expect(table.totals().decisions(.expired) == 1)
        #expect(child.value(.workersReady) == 3)
        #expect(throws: SystemCallError.self) { _ = try MetricsTable(inheritedDescriptor: table.mapping.descriptor) }
    }

    @Test func theReportLabelsOutcomesAndKeepsTheHistogramCumulative() throws {
        let table = try MetricsTable(capacity: 2)
        table.slot(0).recordDecision(.allow, nanos: 2_000)
        table.slot(0).recordDecision(.storeUnavailable, nanos: 2_000_000)
        table.slot(1).connectionOpened(listener: 0)
        let report = MetricsReport(
            totals: table.totals(), tables: .init(countersSlotsInUse: 3, countersCapacity: 10),
            listeners: ["http://127.0.0.1:9000"], version: "9.9.9")
        let text = MetricsExposition.prometheusText.render(report.families)
        #expect(text.contains("keygate_decisions_total{outcome=\"allow\",reason=\"allow\"} 1\n"))
        #expect(text.contains("keygate_decisions_total{outcome=\"error\",reason=\"store_unavailable\"} 1\n"))
        #expect(text.contains("keygate_decisions_total{outcome=\"deny\",reason=\"revoked\"} 0\n"))
        #expect(text.contains("keygate_decision_duration_seconds_bucket{le=\"0.000001\"} 0\n"))
        #expect(text.contains("keygate_decision_duration_seconds_bucket{le=\"0.0025\"} 2\n"))
        #expect(text.contains("keygate_decision_duration_seconds_bucket{le=\"+Inf\"} 2\n"))
        #expect(text.contains("keygate_decision_duration_seconds_sum 0.002002\n"))
        #expect(text.contains("keygate_connections_open{listener=\"http://127.0.0.1:9000\"} 1\n"))
        #expect(text.contains("keygate_counters_slots_used 3\n"))
        #expect(!text.contains("keygate_ip_table"))
    }
}
