/// Decides when a supervisor kills a worker that stays stopped (by a signal or a debugger) past a bound.
///
/// A stopped worker serves nothing, and if it stopped inside a key's critical section every other process answers
/// 503 for that key until it runs again. The supervisor polls each worker's state about once a second and passes it
/// here; a worker seen stopped on every poll for longer than ``timeoutMillis`` is to be killed.
public struct StuckWorkerWatch: Sendable {
    public let timeoutMillis: Int64
    /// Worker pid → when a poll first saw it stopped (this stretch).
    private var stoppedSince: [Int32: Int64] = [:]

    public init(timeoutMillis: Int64) {
        precondition(timeoutMillis > 0, "a stuck-worker timeout must be positive")
        self.timeoutMillis = timeoutMillis
    }

    /// Records what a poll at `nowMillis` saw of `pid` (`nil`: no stat, e.g. already exited); returns how long it has
    /// been stopped when that is past the timeout (kill it), otherwise `nil`.
    public mutating func observe(pid: Int32, stat: ProcessStat?, nowMillis: Int64) -> Int64? {
        guard let stat, stat.isStopped else {
            self.stoppedSince[pid] = nil
            return nil
        }
        guard let since = self.stoppedSince[pid] else {
            self.stoppedSince[pid] = nowMillis
            return nil
        }
        let stoppedMillis = nowMillis - since
        guard stoppedMillis > self.timeoutMillis else { return nil }
        self.stoppedSince[pid] = nil
        return stoppedMillis
    }

    /// Forgets `pid` (it exited).
    public mutating func forget(pid: Int32) {
        self.stoppedSince[pid] = nil
    }
}
