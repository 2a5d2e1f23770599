import Glibc
import Synchronization

/// A critical section over one record of a shared file that can never be left held.
///
/// The record's word 0 holds the owner's pid and an expiry time in one atomic value. A waiter takes the lease over when
/// it has expired or its owner no longer exists (SIGKILL mid-section), so a crashed process cannot block the others.
struct Lease: Sendable {
    /// Longest a lease is honoured; the critical sections take well under a microsecond.
    static let leaseMillis: UInt64 = 50
    static let pidBits: UInt64 = 22
    static let expiryMask: UInt64 = (1 << 42) - 1

    let pid = UInt64(getpid()) & ((1 << 22) - 1)

    func acquire(_ record: UnsafeMutablePointer<Atomic<UInt64>>) -> UInt64? {
        var spins = 0
        var start: UInt64 = 0
        while true {
            let now = Self.realtimeMillis()
            let token = self.pid << (64 - Self.pidBits) | ((now + Self.leaseMillis) & Self.expiryMask)
            let current = record[0].load(ordering: .relaxed)
            // Only after some spinning is the owner asked after (a syscall): normally the lease is free in nanoseconds.
            if current == 0 || (spins >= 64 && Self.isStale(current, now: now)) {
                let (exchanged, _) = record[0].compareExchange(expected: current, desired: token, ordering: .acquiring)
                if exchanged { return token }
            }
            spins += 1
            if spins & 63 == 0 {
                if start == 0 { start = now }
                if now - start > 5 * Self.leaseMillis { return nil }
                sched_yield()
            }
        }
    }

    func release(_ record: UnsafeMutablePointer<Atomic<UInt64>>, token: UInt64) {
        // If the lease was taken over meanwhile (this process stalled past its expiry), it is no longer ours to clear.
        _ = record[0].compareExchange(expected: token, desired: 0, ordering: .releasing)
    }

    /// A lease is stale when it expired, or when its owner process is gone.
    static func isStale(_ lease: UInt64, now: UInt64) -> Bool {
        let expiry = lease & Self.expiryMask
        if (now & Self.expiryMask) > expiry { return true }
        let owner = pid_t(lease >> (64 - Self.pidBits))
        return kill(owner, 0) != 0 && errno == ESRCH
    }

    static func realtimeMillis() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
