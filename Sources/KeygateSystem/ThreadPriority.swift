import Glibc

/// A process's CPU priority (nice value) held on every one of its threads.
///
/// On Linux a nice value belongs to a thread, not to the process: a thread inherits its creator's at birth, but
/// libdispatch, which runs Swift concurrency's tasks, sets its pool threads' own from their QoS (-2 for high-priority
/// tasks, 0 otherwise) whatever the process's. A process that means to run below others (the admin server) therefore
/// lowers itself with ``lower(by:)`` before it starts threads, then calls ``holdEveryThread()`` after its threads start
/// and now and then (a pool thread keeps the value it is given; new ones appear only as the pool grows).
public struct ThreadPriority: Sendable {
    /// The nice value every thread is held at (or below, -20 highest to 19 lowest).
    public let nice: Int32

    /// Lowers the calling thread's priority by `steps` nice steps (at most to 19) and returns the value to hold every
    /// thread at. Lowering needs no privilege.
    public static func lower(by steps: Int32) throws(SystemCallError) -> ThreadPriority {
        precondition(steps >= 0, "lowering by a negative number of steps")
        let target = min(try Self.current(thread: 0) + steps, 19)
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, target) == 0 else {
            throw SystemCallError(call: "setpriority(\(target))", errno: Errno(errno))
        }
        return ThreadPriority(nice: target)
    }

    /// The nice value of thread `tid` (0: the calling thread).
    public static func current(thread tid: id_t) throws(SystemCallError) -> Int32 {
        errno = 0
        let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid)
        if value == -1 && errno != 0 { throw SystemCallError(call: "getpriority(thread \(tid))", errno: Errno(errno)) }
        return value
    }

    /// Sets every thread of this process that runs above ``nice`` to it (one found at a lower priority is left
    /// alone); returns how many it moved. A thread that ends meanwhile is skipped.
    @discardableResult
    public func holdEveryThread() throws(SystemCallError) -> Int {
        var moved = 0
        for tid in try Self.threads() {
            guard let value = try? Self.current(thread: tid), value < self.nice else { continue }
            if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, self.nice) == 0 {
                moved += 1
            } else if errno != ESRCH {
                throw SystemCallError(call: "setpriority(thread \(tid), \(self.nice))", errno: Errno(errno))
            }
        }
        return moved
    }

    /// This process's thread ids, from `/proc/self/task`.
    public static func threads() throws(SystemCallError) -> [id_t] {
        guard let directory = opendir("/proc/self/task") else {
            throw SystemCallError(call: "opendir", errno: Errno(errno), detail: "/proc/self/task")
        }
        defer { closedir(directory) }
        var tids: [id_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let tid = id_t(name) { tids.append(tid) }
        }
        return tids
    }
}
