import Foundation
import Glibc
import KeygateCore
import Testing

/// A process paused inside a key's critical section (SIGSTOP at each point of it) never makes another process lose
/// or double-count: while it is stopped, the others refuse that key (503) quickly; resumed, it finishes its request;
/// killed, its lease is taken over as a dead owner's and at most its own request stays charged.
@Suite(.serialized)
final class LeasePauseTests {
    static let points = ["acquired", "states-read", "evaluated", "mid-commit", "before-release"]
    let scratch: Scratch

    init() throws {
        self.scratch = try Scratch()
    }

    /// `keygate-bench counters-hammer` started in the background, its output going to a file.
    struct BackgroundHammer {
        let pid: pid_t
        let outputPath: String

        init(_ arguments: [String], outputPath: String) throws {
            self.outputPath = outputPath
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let words = [Harness.keygateBench, "counters-hammer"] + arguments
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, Harness.keygateBench, &actions, nil, argv, environ)
            guard spawned == 0 else { throw HarnessError("posix_spawn keygate-bench: errno \(spawned)") }
            self.pid = pid
        }

        var state: UInt8? { Self.state(of: self.pid) }

        static func state(of pid: pid_t) -> UInt8? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
            return ProcessStat(statLine: Array(text.utf8))?.state
        }

        /// Reaps it (bounded) and returns its exit status.
        func reap(timeout: Double = 20) throws -> Int32 {
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(timeout)
            while waitpid(self.pid, &status, WNOHANG) == 0 {
                guard Date() < deadline else {
                    kill(self.pid, SIGKILL)
                    waitpid(self.pid, &status, 0)
                    throw HarnessError("hammer \(self.pid) did not finish in \(timeout) s")
                }
                usleep(5_000)
            }
            return status
        }

        var output: String { (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? "" }
    }

    /// Runs a hammer to completion on `counters`; returns (admitted, rejected, unavailable) and the seconds it took.
    func hammer(_ counters: String, requests: Int) throws -> (counts: [Int], seconds: Double) {
        let start = Date()
        let result = try Harness.keygateBench(
            ["counters-hammer", "--counters", counters, "--credits", "1000", "--requests", "\(requests)"])
        let seconds = Date().timeIntervalSince(start)
        let counts = Self.counts(result.stdout)
        guard result.status == 0, counts.count == 3 else {
            throw HarnessError("hammer failed: \(result.status) \(result.stdout) \(result.stderr)")
        }
        return (counts, seconds)
    }

    static func counts(_ output: String) -> [Int] {
        output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Starts hammer A on a fresh counters file (credits 1000, one request); waits until it stopped itself at `point`.
    func pausedHolder(at point: String) throws -> (holder: BackgroundHammer, counters: String) {
        let counters = self.scratch.file("counters-\(point)")
        let holder = try BackgroundHammer(
            ["--counters", counters, "--credits", "1000", "--requests", "1", "--pause-at", point],
            outputPath: self.scratch.file("holder-\(point).out"))
        guard Harness.eventually(timeout: 20, { holder.state == UInt8(ascii: "T") }) else {
            kill(holder.pid, SIGKILL)
            _ = try? holder.reap()
            throw HarnessError("hammer A never stopped at \(point): \(holder.output)")
        }
        return (holder, counters)
    }

    @Test(arguments: LeasePauseTests.points)
    func aStoppedHolderMakesOthersRefuseQuicklyAndResumedLosesNothing(_ point: String) throws {
        let (holder, counters) = try self.pausedHolder(at: point)
        defer { kill(holder.pid, SIGKILL); _ = try? holder.reap() }
        // While A holds the key's lease, B refuses every request: the first after the wait bound, the rest at once.
        let b = try self.hammer(counters, requests: 100)
        #expect(b.counts == [0, 0, 100], "B while A is stopped at \(point)")
        #expect(b.seconds < 5, "B took \(b.seconds) s: later requests must not wait for a known stuck holder")
        #expect(holder.state == UInt8(ascii: "T"), "A is still stopped")
        kill(holder.pid, SIGCONT)
        let status = try holder.reap()
        #expect(status == 0)
        #expect(Self.counts(holder.output) == [1, 0, 0], "A resumed at \(point)")
        let c = try self.hammer(counters, requests: 2_000)
        #expect(c.counts[2] == 0)
        #expect(1 + b.counts[0] + c.counts[0] == 1_000, "A+B+C admitted, paused at \(point)")
    }

    @Test(arguments: LeasePauseTests.points)
    func aHolderKilledWhileStoppedIsTakenOverAndOverAdmitsNothing(_ point: String) throws {
        let (holder, counters) = try self.pausedHolder(at: point)
        kill(holder.pid, SIGKILL)
        // Not reaped yet: a zombie owner is as gone as a reaped one.
        #expect(Harness.eventually { holder.state == UInt8(ascii: "Z") })
        let b = try self.hammer(counters, requests: 100)
        _ = try holder.reap()
        #expect(b.counts == [100, 0, 0], "B after A was killed at \(point)")
        let c = try self.hammer(counters, requests: 2_000)
        #expect(c.counts[2] == 0)
        // Killed after its first write, A's request stays charged though never answered: under-admits by one.
        let charged = ["mid-commit", "before-release"].contains(point) ? 1 : 0
        #expect(b.counts[0] + c.counts[0] == 1_000 - charged, "B+C admitted, A killed at \(point)")
    }
}
