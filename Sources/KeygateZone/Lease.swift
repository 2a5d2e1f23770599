import Glibc
import KeygateCore
import KeygateSystem
import Synchronization

/// A critical section over one record of a shared file that only a dead owner can leave held.
///
/// The record's lease word (``CounterRecord/lease``, ``IPEntry/lease``) is a ``LeaseWord``: the owner's pid and a tag
/// of its start time. A waiter takes the lease over
/// only when the owner no longer exists: it exited, or its pid now names a process that started at another time. A
/// live owner keeps the lease however long it is paused (stopped, traced, throttled, swapped out), so no process ever
/// writes a record it computed before another process's commit. A waiter that meets a live owner still holding the
/// lease after ``waitMillis`` gives up (`nil`: the caller refuses the request) and remembers the lease as stuck, so
/// later calls that find the same hold (owner and sequence) on the same lease word fail at once (``StuckLeaseMemo``).
///
/// An owner killed inside the section may leave its record partly written (some policies charged for a request it
/// never answered). That never admits more than the policies allow; the next owner simply continues from it.
final class Lease: Sendable {
    /// How long a waiter waits for a live owner; critical sections take well under a microsecond, but a holder can be
    /// descheduled for tens of milliseconds on a busy machine (seen: 4 processes hammering one record on 2 loaded
    /// cores). Only the first request meeting a stuck hold waits this long; the memo fails the rest at once.
    static let waitMillis: Int64 = 200
    /// How often a waiter asks whether the owner still exists (a system call and a /proc read: never when uncontended).
    static let askMillis: Int64 = 10

    /// This process's lease word for hold 0, read once per process; each hold adds its sequence number.
    static let processWord: UInt64 = {
        let pid = getpid()
        return LeaseWord(pid: pid, startTime: ProcessStat.readSelf()?.startTime ?? 0).rawValue
    }()

    /// Holds taken through this lease, for the sequence bits of the next word. Only this process writes it; an
    /// atomic load and store (no read-modify-write) keep the class `Sendable` at the cost of two plain moves.
    private let holds = Atomic<UInt32>(0)
    private let stuck = Mutex(StuckLeaseMemo())
    /// How many entries `stuck` has, read without its lock: the uncontended path only checks it is zero.
    private let stuckCount = Atomic<Int>(0)

    /// Takes the lease in the record's lease word `lease`; `nil` when a live owner holds it past ``waitMillis`` (or is
    /// remembered as stuck).
    @inline(__always)
    func acquire(_ lease: UnsafeMutablePointer<Atomic<UInt64>>) -> UInt64? {
        let token = self.nextToken()
        if lease.pointee.compareExchange(expected: 0, desired: token, ordering: .acquiring).exchanged {
            if self.stuckCount.load(ordering: .relaxed) != 0 { self.forget(lease) }
            return token
        }
        return self.acquireContended(lease, token: token)
    }

    /// The lease word of this process's next hold: the process word with the hold's sequence number.
    @inline(__always)
    private func nextToken() -> UInt64 {
        let hold = self.holds.load(ordering: .relaxed) &+ 1
        self.holds.store(hold, ordering: .relaxed)
        return Self.processWord | UInt64(hold & ((1 << UInt32(LeaseWord.sequenceBits)) - 1)) << 32
    }

    /// Gives back the lease in `lease` taken with `token`.
    func release(_ lease: UnsafeMutablePointer<Atomic<UInt64>>, token: UInt64) {
        // Only a dead owner's lease is taken over, so a live process still holds its own here (unless the waiter could
        // not see it: another pid namespace sharing the file). Never clear a lease that is not ours.
        _ = lease.pointee.compareExchange(expected: token, desired: 0, ordering: .releasing)
    }

    /// The pid holding the lease in `lease` now, if any (for log lines).
    static func holder(_ lease: UnsafeMutablePointer<Atomic<UInt64>>) -> Int32? {
        let word = lease.pointee.load(ordering: .relaxed)
        return word == 0 ? nil : LeaseWord(rawValue: word).pid
    }

    /// The slow path: spin, then yield, asking after the owner every ``askMillis``, for at most ``waitMillis``.
    private func acquireContended(_ lease: UnsafeMutablePointer<Atomic<UInt64>>, token: UInt64) -> UInt64? {
        let recordID = Int(bitPattern: lease)
        var spins = 0
        var startMillis: Int64 = -1
        var askedMillis: Int64 = -1
        var asked: UInt64 = 0
        // Bounded by time: every 64 passes read the clock, and the loop ends ``waitMillis`` after the first read.
        while true {
            spins += 1
            let current = lease.pointee.load(ordering: .relaxed)
            if current == 0 {
                if lease.pointee.compareExchange(expected: 0, desired: token, ordering: .acquiring).exchanged {
                    if self.stuckCount.load(ordering: .relaxed) != 0 { self.forget(lease) }
                    return token
                }
                continue
            }
            guard spins & 63 == 0 else { continue }
            let now = Self.monotonicMillis()
            if startMillis < 0 { startMillis = now }
            var verdict = StuckLeaseMemo.Verdict.unknown
            if self.stuckCount.load(ordering: .relaxed) != 0 {
                verdict = self.memo { $0.verdict(record: recordID, word: current, nowMillis: now) }
                if verdict == .stuck { return nil }
            }
            if current != asked || now - askedMillis >= Self.askMillis || verdict == .recheck {
                asked = current
                askedMillis = now
                if Self.ownerIsGone(current) {
                    let (taken, _) = lease.pointee.compareExchange(
                        expected: current, desired: token, ordering: .acquiring)
                    if taken {
                        self.forget(lease)
                        return token
                    }
                    continue
                }
                if verdict == .recheck {
                    self.memo { $0.remember(record: recordID, word: current, nowMillis: now) }
                    return nil
                }
            }
            if now - startMillis >= Self.waitMillis {
                self.memo { $0.remember(record: recordID, word: current, nowMillis: now) }
                return nil
            }
            sched_yield()
        }
    }

    /// Whether the process that wrote lease word `raw` no longer exists (exited, or its pid was reused).
    static func ownerIsGone(_ raw: UInt64) -> Bool {
        let word = LeaseWord(rawValue: raw)
        guard word.pid > 0 else { return true }  // no process writes such a word
        if kill(word.pid, 0) != 0 && Errno.current.rawValue == ESRCH { return true }
        // Alive, or another user's (EPERM): its start time tells whether it is still the owner.
        guard let stat = ProcessStat.read(pid: word.pid) else { return false }  // asked again in askMillis
        return word.ownerIsGone(now: stat)
    }

    private func forget(_ lease: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.memo { $0.forget(record: Int(bitPattern: lease)) }
    }

    /// Runs `body` on the stuck-lease memo under its lock and republishes its size.
    private func memo<T>(_ body: (inout StuckLeaseMemo) -> T) -> T {
        self.stuck.withLock { memo in
            let result = body(&memo)
            self.stuckCount.store(memo.count, ordering: .relaxed)
            return result
        }
    }

    static func monotonicMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
