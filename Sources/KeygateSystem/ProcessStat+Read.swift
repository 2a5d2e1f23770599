import CKeygateLinux
import Glibc
import KeygateCore

extension ProcessStat {
    /// The state and start time of process `pid` now, from `/proc/<pid>/stat`; `nil` if it cannot be read (the process
    /// is gone, or /proc hides it).
    public static func read(pid: Int32) -> ProcessStat? {
        Self.read(path: "/proc/\(pid)/stat")
    }

    /// The calling process's own stat line (for its start time).
    public static func readSelf() -> ProcessStat? {
        Self.read(path: "/proc/self/stat")
    }

    private static func read(path: String) -> ProcessStat? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A stat line is a few hundred bytes (comm is at most 16); 1 KiB always holds field 22.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer in
            var length = 0
            // Bounded: at most 1024 bytes, and every pass either reads more or stops.
            while length < buffer.count {
                let read = retryingInterrupts { Glibc.read(fd, buffer.baseAddress! + length, buffer.count - length) }
                guard case .success(let count) = read, count > 0 else { break }
                length += count
            }
            return ProcessStat(statLine: UnsafeBufferPointer(rebasing: buffer[0..<length]))
        }
    }
}
