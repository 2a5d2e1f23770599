import Glibc

/// The sockets systemd passed to this process (`sd_listen_fds(3)`): descriptors from 3 on, each with its name.
public struct SystemdActivation: Equatable, Sendable {
    /// Passed descriptors and their `FileDescriptorName=` (`"unknown"` when `LISTEN_FDNAMES` is unset).
    public var sockets: [(fd: CInt, name: String)]

    public static func == (left: Self, right: Self) -> Bool {
        left.sockets.map(\.fd) == right.sockets.map(\.fd) && left.sockets.map(\.name) == right.sockets.map(\.name)
    }

    /// Reads `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES`: the sockets, or `nil` when none were passed to
    /// `processID` (the variables are unset, malformed, or meant for another process, e.g. a parent).
    public static func parse(listenPID: String?, listenFDs: String?, listenFDNames: String?, processID: Int32) -> Self?
    {
        guard let listenPID, Int32(listenPID) == processID, let listenFDs, let count = Int32(listenFDs), count > 0,
            count <= 4096
        else { return nil }
        var names = listenFDNames.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        if names?.count != Int(count) { names = nil }  // systemd's rule: a count mismatch means no names
        return Self(sockets: (0..<count).map { (fd: 3 + $0, name: names?[Int($0)] ?? "unknown") })
    }

    /// What this process was passed, read once; the variables are then unset so that workers never see them.
    public static let passed: Self? = {
        let env = { (name: String) -> String? in getenv(name).map { String(cString: $0) } }
        let found = Self.parse(
            listenPID: env("LISTEN_PID"), listenFDs: env("LISTEN_FDS"), listenFDNames: env("LISTEN_FDNAMES"),
            processID: getpid())
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        return found
    }()

    /// The descriptors named `name`, or every one for `nil`.
    public func descriptors(named name: String?) -> [CInt] {
        self.sockets.filter { name == nil || $0.name == name }.map(\.fd)
    }
}
