import Foundation
import Glibc
import KeygateCore
import KeygateSystem
import Testing

@testable import KeygateZone

/// The lease table between workers and the agent: demand bits, grants that wake a waiting worker, all-or-nothing
/// spending under the record's lease, and the fallback when the agent is gone.
struct ClusterLeaseTableTests {
    let policies = PolicySet(
        rateLimits: [RateLimitPolicy(limit: 100, periodMicros: 1_000_000)],
        quotas: [QuotaPolicy(limit: 50, window: .day)])

    /// Grants `rate` and `quota` permits to `slot` for key `owner`, as the agent does.
    func grant(_ table: ClusterLeaseTable, slot: Int, owner: UInt64, rate: Int64, quota: Int64, now: Int64) {
        let window = QuotaPolicy(limit: 50, window: .day).windowIndex(containing: now)
        _ = table.update(slot: slot) { record in
            record.owner = owner
            record.setHeld(0, record.held(0) + rate)
            record.setHeld(1, record.held(1) + quota)
            record.setTag(1, LeasedPermits.quotaTag(window: window, unleased: 10))
            record.rateExpiryMicros = now + 1_000_000
        }
    }

    @Test func workersSpendWhatTheAgentGrantedAndNoMore() throws {
        let table = try ClusterLeaseTable(inMemoryCapacity: 16)
        let now = Clock.nowMicros()
        table.publish(heartbeatMicros: now, outageNodes: 0)
        self.grant(table, slot: 5, owner: 77, rate: 3, quota: 2, now: now)
        let outcomes = (0..<4).map { _ in
            table.admit(slot: 5, owner: 77, policies: self.policies, cost: 1, nowMicros: now)?.verdict.evaluation
                .admitted
        }
        #expect(outcomes == [true, true, false, false], "the quota's 2 permits bound it")
        let left = table.update(slot: 5) { $0.held(0) }
        #expect(left == 1, "the rate limit's third permit was not spent by the denied requests")
    }

    @Test func anotherKeyInTheSlotStartsWithNothing() throws {
        let table = try ClusterLeaseTable(inMemoryCapacity: 16)
        let now = Clock.nowMicros()
        table.publish(heartbeatMicros: now, outageNodes: 0)
        self.grant(table, slot: 2, owner: 1, rate: 5, quota: 5, now: now)
        let other = table.admit(slot: 2, owner: 2, policies: self.policies, cost: 1, nowMicros: now)
        #expect(other?.verdict.evaluation.admitted == false)
        #expect(table.update(slot: 2) { $0.owner } == 2)
    }

    @Test func demandWakesTheAgentAndAGrantWakesTheWorker() throws {
        let table = try ClusterLeaseTable(inMemoryCapacity: 300)
        #expect(table.takeDemand().isEmpty)
        let seen = table.waitForDemand(after: 0, timeoutMillis: 0)
        table.requestPermits(slot: 7, cost: 1)
        table.requestPermits(slot: 7, cost: 3)
        table.requestPermits(slot: 299, cost: 1)
        #expect(table.waitForDemand(after: seen, timeoutMillis: 1_000) != seen)
        #expect(table.takeDemand() == [7, 299])
        #expect(table.takeDemand().isEmpty)
        #expect(table.need(slot: 7) == 3)
        #expect(table.need(slot: 7) == 1, "taken")

        // A worker waiting for slot 7's grant is woken by the agent's update, long before its timeout.
        let now = Clock.nowMicros()
        let before = table.admit(slot: 7, owner: 9, policies: self.policies, cost: 1, nowMicros: now)!.grant
        let agent = Thread {
            usleep(20_000); self.grant(table, slot: 7, owner: 9, rate: 1, quota: 1, now: now)
        }
        let started = Clock.monotonicMillis()
        agent.start()
        #expect(table.waitForGrant(slot: 7, after: before, timeoutMillis: 5_000))
        #expect(Clock.monotonicMillis() - started < 2_000)
        // With nothing granted the wait ends at its timeout.
        let after = table.admit(slot: 7, owner: 9, policies: self.policies, cost: 1, nowMicros: now)!.grant
        #expect(!table.waitForGrant(slot: 7, after: after, timeoutMillis: 20))
    }

    @Test func withoutAnAgentWorkersFallBackToTheShare() throws {
        let table = try ClusterLeaseTable(inMemoryCapacity: 4)
        table.setFallbackNodes(3)
        let now = Clock.nowMicros()
        #expect(table.mode(nowMicros: now) == .outage(nodes: 3), "no heartbeat yet")
        table.publish(heartbeatMicros: now, outageNodes: 0)
        #expect(table.mode(nowMicros: now) == .shared)
        table.publish(heartbeatMicros: now, outageNodes: 5)
        #expect(table.mode(nowMicros: now) == .outage(nodes: 5))
        table.publish(heartbeatMicros: now, outageNodes: 0)
        #expect(table.mode(nowMicros: now + ClusterLeaseTable.agentStaleMicros + 1) == .outage(nodes: 3))
    }

    @Test func aFileKeepsHeldPermitsForTheNextProcess() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let now = Clock.nowMicros()
        do {
            let table = try ClusterLeaseTable(path: path, capacity: 8, opening: .openOrCreate)
            self.grant(table, slot: 1, owner: 4, rate: 0, quota: 9, now: now)
        }
        let again = try ClusterLeaseTable(path: path, capacity: 8, opening: .openOrCreate)
        #expect(again.update(slot: 1) { $0.held(1) } == 9)
    }
}
