import Glibc
import Synchronization

/// Notices commits to a WAL-mode database by reading the WAL-index header in its `-shm` file, mapped read-only.
///
/// SQLite rewrites that header (both 48-byte copies at offset 0 and 48: change counter, frame count, salts,
/// checksum) whenever a transaction commits or the WAL restarts (https://sqlite.org/walformat.html §2.1). Comparing
/// it with the last value seen costs a few loads instead of `PRAGMA data_version`'s read transaction (two `fcntl`
/// locks). A commit is visible to SQLite readers only once this header is written, so a request that sees the old
/// header may use cached keys: it is ordered before the commit.
public final class WALChangeWatch: @unchecked Sendable {
    private let words: UnsafePointer<Atomic<UInt64>>
    private let mapping: UnsafeMutableRawPointer
    private var last: [UInt64]

    static let headerWords = 12  // 96 bytes: both copies of the header
    static let mappedBytes = 4096
    /// `iVersion` of every WAL-index written since SQLite 3.7.0.
    static let walIndexVersion: UInt32 = 3_007_000

    /// Maps `<databasePath>-shm`; `nil` if it is absent or not a WAL-index this code understands (then callers fall
    /// back to `PRAGMA data_version` per request).
    ///
    /// The descriptor is deliberately never closed. Closing *any* descriptor of a file drops every POSIX `fcntl` lock
    /// this process holds on it, including SQLite's shared "dead man switch" lock on `-shm`; the next connection to
    /// open the database would then believe it is alone, truncate `-shm` and make every process that has it mapped
    /// fail with SIGBUS. One descriptor per worker lifetime is the price.
    public init?(databasePath: String) {
        let fd = open(databasePath + "-shm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size >= Self.mappedBytes,
            let mapped = mmap(nil, Self.mappedBytes, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED
        else { return nil }  // (the descriptor stays open here too, for the same reason)
        self.mapping = mapped
        self.words = UnsafePointer(mapped.bindMemory(to: Atomic<UInt64>.self, capacity: Self.headerWords))
        self.last = [UInt64](repeating: 0, count: Self.headerWords)
        guard mapped.load(as: UInt32.self) == Self.walIndexVersion else {
            munmap(mapped, Self.mappedBytes)
            return nil
        }
        _ = self.changed()
    }

    /// True if the header differs from the one seen at the previous call (or at creation).
    public func changed() -> Bool {
        var differs = false
        for index in 0..<Self.headerWords {
            let word = self.words[index].load(ordering: .acquiring)
            if word != self.last[index] {
                self.last[index] = word
                differs = true
            }
        }
        return differs
    }

    deinit {
        munmap(self.mapping, Self.mappedBytes)
    }
}
