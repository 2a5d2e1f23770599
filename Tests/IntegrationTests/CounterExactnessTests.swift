import Foundation
import Glibc
import Testing

/// Independent processes (as mod_fcgid spawns them, with no supervisor) sharing one counters file admit exactly
/// what the policies allow: never one request more, and a request rejected by one policy consumes from none.
@Suite(.serialized)
final class CounterExactnessTests {
    let scratch: Scratch

    init() throws {
        self.scratch = try Scratch()
    }

    /// Runs `processes` hammer processes at once on one slot; returns (admitted, rejected) summed.
    func hammer(processes: Int, requests: Int, _ policy: [String], slot: Int = 0) throws -> (Int, Int) {
        let counters = self.scratch.file("counters")
        let startAt = Int64(Date().timeIntervalSince1970) + 1
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var results: [CommandResult] = []
            var errors: [String] = []
        }
        let collected = Collected()
        let threads = (0..<processes).map { _ in
            Thread {
                do {
                    let result = try Harness.keygateBench(
                        [
                            "counters-hammer", "--counters", counters, "--slot", "\(slot)", "--requests", "\(requests)",
                            "--start-at", "\(startAt)",
                        ] + policy)
                    collected.lock.lock(); collected.results.append(result); collected.lock.unlock()
                } catch {
                    collected.lock.lock(); collected.errors.append("\(error)"); collected.lock.unlock()
                }
            }
        }
        threads.forEach { $0.start() }
        while !threads.allSatisfy(\.isFinished) { usleep(10_000) }
        let results = collected.results
        guard collected.errors.isEmpty, results.count == processes else {
            throw HarnessError("hammer failed: \(collected.errors) \(results)")
        }
        var admitted = 0
        var rejected = 0
        for result in results {
            let fields = result.stdout.split(separator: " ").compactMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            guard fields.count == 3, result.status == 0 else {
                throw HarnessError("bad hammer output: \(result.stdout) \(result.stderr)")
            }
            #expect(fields[2] == 0, "a lease could not be had")
            admitted += fields[0]
            rejected += fields[1]
        }
        return (admitted, rejected)
    }

    @Test func rateLimitAdmitsExactlyTheBurstAcrossProcesses() throws {
        // 50/day: a burst of 50, then one more only every 28.8 minutes: the test window can never earn another.
        let (admitted, rejected) = try self.hammer(processes: 4, requests: 400, ["--limit", "50/day"])
        #expect(admitted == 50)
        #expect(rejected == 4 * 400 - 50)
    }

    @Test func allOrNothingAcrossLimitQuotaAndCredits() throws {
        // The quota (30) binds first; the rate limit (50 burst) must then show exactly 30 consumed, not more:
        // requests the quota rejected consumed nothing. A second round with credits 25 on a fresh slot binds at 25.
        let (admitted, _) = try self.hammer(
            processes: 4, requests: 300, ["--limit", "50/day", "--quota", "30/day"], slot: 1)
        #expect(admitted == 30)
        // Same slot, quota lifted: the rate limit has exactly 50 - 30 = 20 left.
        let (more, _) = try self.hammer(processes: 3, requests: 100, ["--limit", "50/day"], slot: 1)
        #expect(more == 20)
        let (credited, _) = try self.hammer(
            processes: 4, requests: 200, ["--limit", "50/day", "--credits", "25"], slot: 2)
        #expect(credited == 25)
    }
}
