import Glibc

/// A fresh directory under /tmp for one test's database files, removed with its contents on deinit.
final class ScratchDirectory {
    let path: String

    init() {
        var template = Array("/tmp/keygate-store-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
        self.path = String(cString: created)
    }

    deinit {
        if let directory = opendir(self.path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink(self.path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(self.path)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String {
        self.path + "/" + name
    }

    /// Writes `bytes` to the file `name`.
    func write(_ name: String, _ bytes: [UInt8]) {
        let descriptor = open(self.file(name), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "open failed")
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// The permission bits of `name`, or `nil` if it does not exist.
    func mode(_ name: String) -> mode_t? {
        var info = stat()
        guard stat(self.file(name), &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }
}
