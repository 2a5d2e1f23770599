import CKeygateLinux
import Glibc
import KeygateCore
import Synchronization

/// A file mapped `MAP_SHARED` into this process: every process mapping the same file sees the same bytes.
///
/// The file starts with a 64-byte ``Header``; a file whose magic, layout version or size differ from what the caller
/// expects is refused with an error that says what to do, never reinterpreted. Header bytes 40-47 hold the file's
/// random nonzero id, written when the file is created, so that a replaced file can be told from the original.
///
/// The mapping is guarded against its file being truncated underneath it: the SIGBUS that an access past the new end
/// raises replaces the whole mapping with zero pages and marks it *lost* (``isLost``), instead of killing the process;
/// ``checkIntact()`` also notices a smaller, replaced or deleted file. Lost is sticky: the counts are gone for this
/// process.
public final class Mapping: @unchecked Sendable {
    /// Start of the mapping (the header); valid until `deinit`.
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int
    public let path: String
    /// True when this call created (or rebuilt) the file: its contents start from zero.
    public let created: Bool
    /// The file's id (header bytes 40-47), nonzero.
    public let fileID: UInt64
    /// The open file, kept to notice truncation (`fstat`); closed in `deinit`. -1 for an anonymous mapping.
    private let fd: CInt
    private let device: UInt64
    private let inode: UInt64
    /// Set to 1 by the SIGBUS handler or ``markLost()``; read with one relaxed load per request.
    private let lost: UnsafeMutablePointer<Atomic<Int32>>
    private let guardIndex: CInt
    /// A memory file has no path to be replaced at; only its size is checked.
    private var isMemoryFile = false

    public static let fileIDOffset = 40

    /// Fixed header at offset 0 of every keygate shared file.
    public struct Header: Equatable, Sendable {
        public var magic: UInt64
        public var layoutVersion: UInt32
        public var byteCount: UInt64
        public var capacity: UInt64

        public init(magic: UInt64, layoutVersion: UInt32, byteCount: UInt64, capacity: UInt64) {
            self.magic = magic
            self.layoutVersion = layoutVersion
            self.byteCount = byteCount
            self.capacity = capacity
        }

        public static let size = 64
    }

    /// How ``init(path:expecting:opening:)`` treats what is (or is not) at the path.
    public enum Opening: Equatable, Sendable {
        /// Creates the file if absent or empty; a file of another layout or size is refused.
        case openOrCreate
        /// Creates the file if absent or empty; a file of another layout or size is recreated (its contents lost).
        case recreatingMismatched
        /// Always starts a fresh file with a new id (its previous contents lost).
        case fresh
        /// Only an existing file with the expected header and this id; never creates or changes anything.
        case existing(fileID: UInt64)
    }

    /// ``init(path:expecting:opening:)`` with `.recreatingMismatched` when `rebuild`, else `.openOrCreate`.
    public convenience init(path: String, expecting header: Header, rebuild: Bool = false) throws(SystemCallError) {
        try self.init(path: path, expecting: header, opening: rebuild ? .recreatingMismatched : .openOrCreate)
    }

    /// Opens (creating with mode 0600 if `opening` allows) and maps `path`, holding an exclusive `flock` while checking
    /// the header so that two processes starting at once initialise it exactly once. A file without an id gets one.
    public init(path: String, expecting header: Header, opening: Opening) throws(SystemCallError) {
        precondition(header.byteCount >= UInt64(Header.size), "mapping smaller than its header")
        self.path = path
        self.byteCount = Int(header.byteCount)
        var flags = O_RDWR | O_CLOEXEC
        if case .existing = opening {} else { flags |= O_CREAT }
        let fd = try syscall("open", detail: path) { open(path, flags, 0o600) }
        var mapped: UnsafeMutableRawPointer? = nil
        do throws(SystemCallError) {
            _ = try syscall("flock", detail: path) { flock(fd, LOCK_EX) }
            defer { flock(fd, LOCK_UN) }
            var status = stat()
            _ = try syscall("fstat", detail: path) { fstat(fd, &status) }
            let existing = Int(status.st_size)
            var fresh = existing == 0 || opening == .fresh
            var foundID: UInt64 = 0
            if case .existing(let expectedID) = opening {
                precondition(expectedID != 0, "an expected file id is nonzero")
                let found = try Mapping.readHeader(fd: fd, path: path)
                foundID = found.fileID
                guard found.header == header, existing == self.byteCount, found.fileID == expectedID else {
                    throw SystemCallError(
                        call: "open shared state", errno: Errno(ESTALE),
                        detail: "\(path): not the file this keygate started with (\(existing) bytes, file id "
                            + "\(String(found.fileID, radix: 16)), expected id \(String(expectedID, radix: 16)))")
                }
                fresh = false
            } else if !fresh {
                let found = try Mapping.readHeader(fd: fd, path: path)
                foundID = found.fileID
                if found.header != header || existing != self.byteCount {
                    guard opening == .recreatingMismatched else {
                        throw SystemCallError(
                            call: "open shared state", errno: Errno(EINVAL),
                            detail: "\(path): " + Mapping.mismatch(found.header, size: existing, expected: header)
                                + ". Move the file away or start with --rebuild-state")
                    }
                    fresh = true
                }
            }
            if fresh {
                _ = try syscall("ftruncate", detail: path) { ftruncate(fd, 0) }
                _ = try syscall("ftruncate", detail: path) { ftruncate(fd, off_t(header.byteCount)) }
            }
            guard let address = mmap(nil, self.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
                address != MAP_FAILED
            else { throw SystemCallError(call: "mmap", errno: .current, detail: path) }
            mapped = address
            self.created = fresh
            if fresh || foundID == 0 { foundID = UInt64.random(in: 1...UInt64.max) }
            if fresh {
                // The body is zero (ftruncate); the header goes last so a reader never sees a header over garbage.
                Self.write(header, fileID: foundID, at: address)
            } else {
                // A file from before ids (adopted) gets one now; an id already there is kept.
                address.storeBytes(of: foundID, toByteOffset: Self.fileIDOffset, as: UInt64.self)
            }
            self.fileID = foundID
            self.device = UInt64(status.st_dev)
            self.inode = UInt64(status.st_ino)
        } catch {
            if let mapped { munmap(mapped, self.byteCount) }
            close(fd)
            throw error
        }
        self.fd = fd
        self.base = mapped!
        self.lost = UnsafeMutablePointer<Atomic<Int32>>.allocate(capacity: 1)
        self.lost.initialize(to: Atomic<Int32>(0))
        let guardIndex = CKeygateLinux_guard_mapping(
            self.base, self.byteCount, UnsafeMutableRawPointer(self.lost).assumingMemoryBound(to: Int32.self))
        precondition(guardIndex >= 0, "cannot guard \(path) against SIGBUS: \(Errno.current)")
        self.guardIndex = guardIndex
    }

    /// Maps `header.byteCount` bytes of anonymous shared memory (`MAP_SHARED | MAP_ANONYMOUS`) holding `header` and
    /// zeros: no file, so nothing outside this process and the children it forks sees it, and it is never lost.
    ///
    /// For tests and tools that need a table without a path. The corresponding C function is `mmap`.
    public init(anonymous header: Header) throws(SystemCallError) {
        precondition(header.byteCount >= UInt64(Header.size), "mapping smaller than its header")
        self.path = "(anonymous)"
        self.byteCount = Int(header.byteCount)
        guard
            let address = mmap(nil, self.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
            address != MAP_FAILED
        else { throw SystemCallError(call: "mmap", errno: .current, detail: "anonymous") }
        let fileID = UInt64.random(in: 1...UInt64.max)
        Self.write(header, fileID: fileID, at: address)
        self.base = address
        self.created = true
        self.fileID = fileID
        self.fd = -1
        self.device = 0
        self.inode = 0
        self.lost = UnsafeMutablePointer<Atomic<Int32>>.allocate(capacity: 1)
        self.lost.initialize(to: Atomic<Int32>(0))
        self.guardIndex = -1
    }

    /// Maps `header.byteCount` bytes of a new memory file (`memfd_create`, not in any directory) holding `header` and
    /// zeros; ``descriptor`` can be handed to a spawned process, which maps the same bytes with
    /// ``init(inheritedDescriptor:expecting:)``. Nothing outside this process and those it hands the descriptor to can
    /// see it, and it ends with the last of them.
    public convenience init(memoryFileNamed name: String, header: Header) throws(SystemCallError) {
        let fd = try syscall("memfd_create", detail: name) { CKeygateLinux_memfd_create(name) }
        do throws(SystemCallError) {
            _ = try syscall("ftruncate", detail: name) { ftruncate(fd, off_t(header.byteCount)) }
        } catch {
            close(fd)
            throw error
        }
        try self.init(descriptor: fd, name: name, header: header, writingHeader: true)
    }

    /// Maps the memory file a parent made with ``init(memoryFileNamed:header:)`` and handed over as descriptor `fd`;
    /// a descriptor whose size or header differ from `header` is refused (and left open: it is not this call's).
    public convenience init(inheritedDescriptor fd: CInt, expecting header: Header) throws(SystemCallError) {
        let found = try Mapping.readHeader(fd: fd, path: "fd \(fd)")
        var status = stat()
        _ = try syscall("fstat", detail: "fd \(fd)") { fstat(fd, &status) }
        guard found.header == header, Int(status.st_size) == Int(header.byteCount) else {
            throw SystemCallError(
                call: "map inherited memory", errno: Errno(EINVAL),
                detail: "fd \(fd): " + Mapping.mismatch(found.header, size: Int(status.st_size), expected: header))
        }
        let own = try syscall("fcntl(F_DUPFD_CLOEXEC)") { fcntl(fd, F_DUPFD_CLOEXEC, CInt(3)) }
        try self.init(descriptor: own, name: "fd \(fd)", header: header, writingHeader: false)
    }

    /// Maps all of `fd`, which this mapping then owns; writes `header` (with a new id) when `writingHeader`.
    private init(descriptor fd: CInt, name: String, header: Header, writingHeader: Bool) throws(SystemCallError) {
        precondition(header.byteCount >= UInt64(Header.size), "mapping smaller than its header")
        self.path = name
        self.byteCount = Int(header.byteCount)
        guard let address = mmap(nil, self.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), address != MAP_FAILED
        else {
            close(fd)
            throw SystemCallError(call: "mmap", errno: .current, detail: name)
        }
        if writingHeader {
            let fileID = UInt64.random(in: 1...UInt64.max)
            Self.write(header, fileID: fileID, at: address)
        }
        self.base = address
        self.created = writingHeader
        self.fileID = address.load(fromByteOffset: Self.fileIDOffset, as: UInt64.self)
        self.fd = fd
        self.device = 0
        self.inode = 0
        self.lost = UnsafeMutablePointer<Atomic<Int32>>.allocate(capacity: 1)
        self.lost.initialize(to: Atomic<Int32>(0))
        self.guardIndex = -1
        self.isMemoryFile = true
    }

    /// The descriptor of a memory file (``init(memoryFileNamed:header:)``), to hand to a spawned process.
    public var descriptor: CInt { self.fd }

    /// Writes `header` and `fileID` over zeros at `address`, the magic last, so a reader never sees a header over garbage.
    private static func write(_ header: Header, fileID: UInt64, at address: UnsafeMutableRawPointer) {
        address.storeBytes(of: header.layoutVersion, toByteOffset: 8, as: UInt32.self)
        address.storeBytes(of: header.byteCount, toByteOffset: 16, as: UInt64.self)
        address.storeBytes(of: header.capacity, toByteOffset: 24, as: UInt64.self)
        address.storeBytes(of: fileID, toByteOffset: Self.fileIDOffset, as: UInt64.self)
        address.storeBytes(of: header.magic, toByteOffset: 0, as: UInt64.self)
    }

    /// What is at `path` compared with `header`, for deciding at startup whether a file may be used.
    public static func probe(path: String, expecting header: Header) throws(SystemCallError) -> SharedFileState {
        let fd: CInt
        switch retryingInterrupts({ open(path, O_RDONLY | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(let errno) where errno.rawValue == ENOENT: return .missing
        case .failure(let errno): throw SystemCallError(call: "open", errno: errno, detail: path)
        }
        defer { close(fd) }
        var status = stat()
        _ = try syscall("fstat", detail: path) { fstat(fd, &status) }
        if status.st_size == 0 { return .empty }
        let found = try Self.readHeader(fd: fd, path: path)
        guard found.header == header, Int(status.st_size) == Int(header.byteCount) else {
            return .incompatible(Self.mismatch(found.header, size: Int(status.st_size), expected: header))
        }
        return .present(fileID: found.fileID)
    }

    static func mismatch(_ found: Header, size: Int, expected header: Header) -> String {
        "it has layout version \(found.layoutVersion), \(size) bytes, capacity \(found.capacity); this keygate needs "
            + "version \(header.layoutVersion), \(header.byteCount) bytes, capacity \(header.capacity)"
    }

    static func readHeader(fd: CInt, path: String) throws(SystemCallError) -> (header: Header, fileID: UInt64) {
        var raw = [UInt8](repeating: 0, count: Header.size)
        let count = try syscall("pread", detail: path) {
            raw.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Header.size, 0) }
        }
        guard count == Header.size else {
            return (Header(magic: 0, layoutVersion: 0, byteCount: 0, capacity: 0), 0)
        }
        return raw.withUnsafeBytes { bytes in
            (
                Header(
                    magic: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                    layoutVersion: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                    byteCount: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                    capacity: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                bytes.loadUnaligned(fromByteOffset: Self.fileIDOffset, as: UInt64.self)
            )
        }
    }

    /// True once the file was found truncated, replaced or deleted: this process's view of it is zeros, not counts.
    @inline(__always)
    public var isLost: Bool { self.lost.pointee.load(ordering: .relaxed) != 0 }

    /// Marks the mapping lost (sticky until the process ends).
    public func markLost() { self.lost.pointee.store(1, ordering: .relaxed) }

    /// Checks that the file is still whole and still at its path (`fstat`, `stat` and the header); if not, marks the
    /// mapping lost. Returns `!isLost`. Cheap enough for a once-a-second sweep, not for a request.
    @discardableResult
    public func checkIntact() -> Bool {
        if self.isLost { return false }
        if self.fd < 0 { return true }  // anonymous: no file to lose
        if self.isMemoryFile {
            var opened = stat()
            if fstat(self.fd, &opened) != 0 || Int(opened.st_size) < self.byteCount { self.markLost() }
            return !self.isLost
        }
        var opened = stat()
        var named = stat()
        let intact =
            fstat(self.fd, &opened) == 0 && Int(opened.st_size) >= self.byteCount
            && stat(self.path, &named) == 0 && UInt64(named.st_dev) == self.device && UInt64(named.st_ino) == self.inode
            && self.base.load(fromByteOffset: 0, as: UInt64.self) != 0
            && self.base.load(fromByteOffset: Self.fileIDOffset, as: UInt64.self) == self.fileID
        if !intact { self.markLost() }
        return !self.isLost
    }

    /// Writes dirty pages back to the file (`msync(MS_SYNC)`), e.g. at shutdown; nothing once lost.
    public func flush() throws(SystemCallError) {
        guard !self.isLost else { return }
        _ = try syscall("msync", detail: self.path) { msync(self.base, self.byteCount, MS_SYNC) }
    }

    deinit {
        if self.guardIndex >= 0 { CKeygateLinux_unguard_mapping(self.guardIndex) }
        munmap(self.base, self.byteCount)
        if self.fd >= 0 { close(self.fd) }
        self.lost.deallocate()
    }
}
