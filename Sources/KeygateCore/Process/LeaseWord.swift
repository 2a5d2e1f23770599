/// The value of a lease word in a shared counters file: the owner's pid, which of its holds this is, and a tag of that
/// process's start time.
///
/// The pid takes the top 22 bits (Linux's `pid_max` is at most 2^22), a hold sequence the next 10 bits (so two holds
/// of one record by one process in a row are different words, and a waiter that gave up on one hold can tell it from
/// the next), the tag the low 32 bits of the owner's `/proc/self/stat` start time (clock ticks since boot; 0 if it
/// could not be read). Zero means free. The pair of pid and tag outlives pid reuse: a new process under the same pid
/// has another start time, so a lease is never mistaken for a live process's.
public struct LeaseWord: Sendable, Equatable {
    public static let pidBits = 22
    public static let sequenceBits = 10
    public static let tagMask: UInt64 = (1 << 32) - 1

    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The word a process with `pid` started at `startTime` (clock ticks since boot; 0 if unknown) writes for its hold
    /// number `sequence` (only its low ``sequenceBits`` bits are kept).
    public init(pid: Int32, startTime: UInt64, sequence: UInt32 = 0) {
        precondition(pid > 0 && pid < 1 << Self.pidBits, "pid \(pid) does not fit a lease word")
        let tag = startTime & Self.tagMask
        let hold = UInt64(sequence) & ((1 << UInt64(Self.sequenceBits)) - 1)
        self.rawValue = UInt64(pid) << (64 - UInt64(Self.pidBits)) | hold << 32 | tag
    }

    /// Which hold of its owner this word marks (wraps at 2^``sequenceBits``).
    public var sequence: UInt32 {
        UInt32(truncatingIfNeeded: (self.rawValue >> 32) & ((1 << UInt64(Self.sequenceBits)) - 1))
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
