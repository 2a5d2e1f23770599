import Glibc
import KeygateSystem
import Testing

/// Holding a process's threads at a lowered priority: what libdispatch sets on its pool threads is overridden, and
/// nothing is raised. Each check runs in a forked child, so that the test runner's own threads keep their priority.
struct ThreadPriorityTests {
    /// Runs `body` in a forked child and returns its exit status (0: every check held).
    private func inChild(_ body: () -> Bool) -> CInt {
        let pid = fork()
        if pid == 0 { _exit(body() ? 0 : 1) }
        var status: CInt = 0
        waitpid(pid, &status, 0)
        return (status >> 8) & 0xff
    }

    @Test func lowerLowersTheCallingThreadAndHoldingNeverRaisesAThread() {
        let status = self.inChild {
            guard let base = try? ThreadPriority.current(thread: 0),
                let priority = try? ThreadPriority.lower(by: 5), priority.nice == min(base + 5, 19),
                (try? ThreadPriority.current(thread: 0)) == priority.nice
            else { return false }
            // A thread that went lower than the held value on its own (to 19) stays there.
            var thread = pthread_t()
            let started = pthread_create(
                &thread, nil,
                { _ in
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                    sleep(2)
                    return nil
                }, nil)
            guard started == 0 else { return false }
            usleep(100_000)
            guard let threads = try? ThreadPriority.threads(), threads.count == 2,
                let moved = try? priority.holdEveryThread()
            else { return false }
            // The other thread went to 19 (lower than the hold): left alone; the calling one is already there.
            let values = threads.compactMap { try? ThreadPriority.current(thread: $0) }
            return moved == 0 && values.sorted() == [priority.nice, 19].sorted()
        }
        #expect(status == 0)
    }

    @Test func aThreadAboveTheHeldValueIsMovedDown() {
        // A thread started before the lowering keeps its value, above the held one (as libdispatch's pool threads
        // do when they set their own): holding moves it down, once.
        let status = self.inChild {
            var thread = pthread_t()
            let started = pthread_create(
                &thread, nil,
                { _ in
                    sleep(2)
                    return nil
                }, nil)
            guard started == 0, let base = try? ThreadPriority.current(thread: 0),
                let priority = try? ThreadPriority.lower(by: 3)
            else { return false }
            guard let threads = try? ThreadPriority.threads(), threads.count == 2,
                let before = try? threads.map({ try ThreadPriority.current(thread: $0) }),
                before.sorted() == [base, priority.nice].sorted(),
                (try? priority.holdEveryThread()) == 1,
                let after = try? threads.map({ try ThreadPriority.current(thread: $0) })
            else { return false }
            return after.allSatisfy { $0 == priority.nice } && (try? priority.holdEveryThread()) == 0
        }
        #expect(status == 0)
    }
}
