import Glibc

/// Which file a database path names (device and inode, from `stat`), and whether a file that replaced the open one
/// looks complete enough to switch to.
///
/// Nothing here opens the file the caller has a connection on: closing any descriptor of a file drops every POSIX
/// lock this process holds on it, SQLite's included. ``problem(path:)`` reads only a replacement's header (`pread`,
/// no SQLite connection, so no lock on the shared `-wal`/`-shm` files is taken or dropped): the SQLite magic, that
/// the file is as long as the page count in its header says (a copy still in progress is shorter), and the schema
/// version (`PRAGMA user_version`, stored at offset 60). See https://sqlite.org/fileformat2.html §1.3.
public struct DatabaseFileCheck: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64

    /// The identity of the file at `path` (`stat`); `nil` if there is none (e.g. between an `unlink` and a `rename`).
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
    }

    /// Why the file at `path` cannot be switched to, or `nil` when its header shows a complete database at this
    /// build's schema. Call it only for a file this process has no connection on.
    public static func problem(path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            return "cannot open it: \(String(cString: strerror(code)))"
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return "cannot stat it" }
        var header = [UInt8](repeating: 0, count: 100)
        let count = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 100, 0) }
        return Self.problem(header: count == 100 ? header : nil, fileBytes: Int64(status.st_size))
    }

    static func problem(header: [UInt8]?, fileBytes: Int64) -> String? {
        guard let header, header.starts(with: Array("SQLite format 3\0".utf8)) else {
            return "not an SQLite database (yet): no complete header"
        }
        func word(_ offset: Int) -> Int64 {
            header[offset..<offset + 4].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
        let rawPageSize = Int64(header[16]) << 8 | Int64(header[17])
        let pageSize = rawPageSize == 1 ? 65_536 : rawPageSize
        // The in-header page count is valid only when the change counter matches "version-valid-for".
        if word(24) == word(92), word(28) * pageSize > fileBytes {
            return "incomplete: \(fileBytes) bytes of \(word(28) * pageSize) (a copy still in progress?)"
        }
        if word(60) != Migrations.currentVersion {
            return "schema version \(word(60)) in its header, this keygate needs \(Migrations.currentVersion) "
                + "(run keygate migrate on it, and checkpoint it before moving it in place)"
        }
        return nil
    }
}
