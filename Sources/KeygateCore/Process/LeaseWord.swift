/// The value of a lease word in a shared counters file: the owner's pid and a tag of that process's start time.
///
/// The pid takes the top 22 bits (Linux's `pid_max` is at most 2^22), the tag the low 42 bits of the owner's
/// `/proc/self/stat` start time (0 if it could not be read). Zero means free. The pair outlives pid reuse: a new
/// process under the same pid has another start time, so a lease is never mistaken for a live process's.
public struct LeaseWord: Sendable, Equatable {
    public static let pidBits = 22
    public static let tagMask: UInt64 = (1 << 42) - 1

    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The word a process with `pid` started at `startTime` (clock ticks since boot; 0 if unknown) writes.
    public init(pid: Int32, startTime: UInt64) {
        precondition(pid > 0 && pid < 1 << Self.pidBits, "pid \(pid) does not fit a lease word")
        let tag = startTime & Self.tagMask
        self.rawValue = UInt64(pid) << (64 - UInt64(Self.pidBits)) | tag
    }

    public var pid: Int32 { Int32(truncatingIfNeeded: self.rawValue >> (64 - UInt64(Self.pidBits))) }
    public var startTag: UInt64 { self.rawValue & Self.tagMask }

    /// Whether the owner is gone for good, given what `/proc/<pid>/stat` shows for its pid now.
    ///
    /// Gone means exited (a zombie counts: it will never run again) or replaced by a process that started at another
    /// time (pid reuse). A live owner is never gone, however long it has held the lease: stopped, traced, throttled
    /// or swapped out, it will write its record when it runs again. With no tag, pid reuse cannot be told apart.
    public func ownerIsGone(now stat: ProcessStat) -> Bool {
        if stat.hasExited { return true }
        return self.startTag != 0 && stat.startTime & Self.tagMask != self.startTag
    }
}
