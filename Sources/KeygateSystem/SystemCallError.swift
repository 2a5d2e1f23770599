/// A system call failed for a reason outside this process's control; names the call and carries the errno as a value.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    /// The call, with what it was called on when short, e.g. `epoll_ctl(ADD, fd 12)`.
    public var call: String
    /// The errno read right after the call.
    public var errno: Errno
    /// What the call was about when `call` does not say it (a path, a listener, a reason); empty otherwise.
    public var detail: String

    public init(call: String, errno: Errno, detail: String = "") {
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    /// `epoll_ctl(ADD, fd 12): Bad file descriptor (EBADF)`; with a detail,
    /// `open failed for /var/lib/keygate/keys.db: Permission denied (EACCES)`.
    public var description: String {
        self.detail.isEmpty
            ? "\(self.call): \(self.errno)" : "\(self.call) failed for \(self.detail): \(self.errno)"
    }
}
