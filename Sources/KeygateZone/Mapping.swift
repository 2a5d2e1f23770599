import CKeygateLinux
import Glibc

/// A file mapped `MAP_SHARED` into this process: every process mapping the same file sees the same bytes.
///
/// The file starts with a 64-byte ``Header``; a file whose magic, layout version or size differ from what the caller
/// expects is refused with an error that says what to do, never reinterpreted.
public final class Mapping: @unchecked Sendable {
    /// Start of the mapping (the header); valid until `deinit`.
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int
    public let path: String
    /// True when this call created (or rebuilt) the file: its contents start from zero.
    public let created: Bool

    /// Fixed header at offset 0 of every keygate shared file.
    public struct Header: Equatable, Sendable {
        public var magic: UInt64
        public var layoutVersion: UInt32
        public var byteCount: UInt64
        public var capacity: UInt64

        public static let size = 64
    }

    /// Opens (creating with mode 0600 if absent) and maps `path`, holding an exclusive `flock` while checking the header
    /// so that two processes starting at once initialise it exactly once.
    ///
    /// - Parameter rebuild: when the existing header does not match, reinitialise the file instead of failing.
    public init(path: String, expecting header: Header, rebuild: Bool = false) throws(SystemCallError) {
        precondition(header.byteCount >= UInt64(Header.size), "mapping smaller than its header")
        self.path = path
        self.byteCount = Int(header.byteCount)
        let fd = try syscall("open", detail: path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(fd) }
        _ = try syscall("flock", detail: path) { flock(fd, LOCK_EX) }
        defer { flock(fd, LOCK_UN) }
        var status = stat()
        _ = try syscall("fstat", detail: path) { fstat(fd, &status) }
        let existing = Int(status.st_size)
        var fresh = existing == 0
        if !fresh {
            let found = try Mapping.readHeader(fd: fd, path: path)
            if found != header || existing != self.byteCount {
                guard rebuild else {
                    throw SystemCallError(
                        call: "open shared state", errno: EINVAL,
                        detail: "\(path): it has layout version \(found.layoutVersion), \(existing) bytes, capacity "
                            + "\(found.capacity); this keygate needs version \(header.layoutVersion), \(header.byteCount) "
                            + "bytes, capacity \(header.capacity). Move the file away or start with --rebuild-state")
                }
                _ = try syscall("ftruncate", detail: path) { ftruncate(fd, 0) }
                fresh = true
            }
        }
        if fresh {
            _ = try syscall("ftruncate", detail: path) { ftruncate(fd, off_t(header.byteCount)) }
        }
        guard let mapped = mmap(nil, self.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED
        else { throw SystemCallError(call: "mmap", errno: currentErrno(), detail: path) }
        self.base = mapped
        self.created = fresh
        if fresh {
            // The body is zero (ftruncate); the header goes last so a reader never sees a header over garbage.
            self.base.storeBytes(of: header.layoutVersion, toByteOffset: 8, as: UInt32.self)
            self.base.storeBytes(of: header.byteCount, toByteOffset: 16, as: UInt64.self)
            self.base.storeBytes(of: header.capacity, toByteOffset: 24, as: UInt64.self)
            self.base.storeBytes(of: header.magic, toByteOffset: 0, as: UInt64.self)
        }
    }

    static func readHeader(fd: CInt, path: String) throws(SystemCallError) -> Header {
        var raw = [UInt8](repeating: 0, count: Header.size)
        let count = try syscall("pread", detail: path) { raw.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Header.size, 0) } }
        guard count == Header.size else {
            return Header(magic: 0, layoutVersion: 0, byteCount: 0, capacity: 0)
        }
        return raw.withUnsafeBytes { bytes in
            Header(
                magic: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                layoutVersion: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                byteCount: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                capacity: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// Writes dirty pages back to the file (`msync(MS_SYNC)`), e.g. at shutdown.
    public func flush() throws(SystemCallError) {
        _ = try syscall("msync", detail: self.path) { msync(self.base, self.byteCount, MS_SYNC) }
    }

    deinit {
        munmap(self.base, self.byteCount)
    }
}
