import Glibc
import KeygateSystem
import KeygateZone

/// The one warning logged when an optional shared file cannot be used: which file, who owns it with what mode, who
/// keygate runs as, and how to fix it.
///
/// Optional files (the last-used `.state` table, the roll-up lock) only lose a convenience when unusable, so keygate
/// serves without them rather than answering 500; files that decisions need still refuse to start.
public struct OptionalFileWarning: Sendable, CustomStringConvertible {
    public let path: String
    /// What keygate does without the file, e.g. "serving without last-used times".
    public let consequence: String
    /// The option that disables the file, e.g. "--state off".
    public let disablingOption: String?
    public let cause: String
    /// Whether the cause is permissions (then the fix is ownership); otherwise the cause says what to do.
    private let isPermission: Bool
    private let owner: String
    private let runningUser: String

    /// Describes `error` about `path`, reading the file's owner and mode now (`stat`) and this process's user.
    public init(path: String, error: any Error, consequence: String, disablingOption: String?) {
        self.path = path
        self.consequence = consequence
        self.disablingOption = disablingOption
        let code = (error as? SystemCallError)?.errno
        self.isPermission = code == Errno(EACCES) || code == Errno(EPERM)
        self.cause = self.isPermission ? (code?.text ?? "") : "\(error)"
        var status = stat()
        if stat(path, &status) == 0 {
            let mode = String(status.st_mode & 0o7777, radix: 8)
            self.owner = "owned by \(Self.userName(status.st_uid)) (uid \(status.st_uid)), mode 0\(mode)"
        } else {
            let code = errno
            self.owner = "not statable (\(String(cString: strerror(code))))"
        }
        self.runningUser = "\(Self.userName(geteuid())) (uid \(geteuid()))"
    }

    /// The user name of `uid` (`getpwuid_r`), or the number when it has none.
    public static func userName(_ uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, let found = result,
            let name = found.pointee.pw_name
        else { return "\(uid)" }
        return String(cString: name)
    }

    public var description: String {
        let user = String(self.runningUser.prefix { $0 != " " })
        let fix =
            (self.isPermission ? "chown \(user) \(self.path)" : "see the cause")
            + (self.disablingOption.map { ", or \($0)" } ?? "")
        return "cannot use \(self.path) (\(self.cause)): it is \(self.owner) and keygate runs as \(self.runningUser); "
            + "\(self.consequence). Fix: \(fix)"
    }
}
