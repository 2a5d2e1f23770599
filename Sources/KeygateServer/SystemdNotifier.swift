import CKeygateLinux
import Glibc
import KeygateCore
import KeygateSystem
import Logging

/// Tells systemd (a `Type=notify` unit) when keygate is ready, reloading or stopping, over the unix datagram socket
/// named by `NOTIFY_SOCKET`.
///
/// Written by hand rather than linking libsystemd: `sd_notify` is one `sendto` of a few lines of text, and keygate
/// must run where libsystemd is absent. A failed send is logged once and otherwise ignored; it never stops keygate.
public final class SystemdNotifier {
    /// The socket path, or an abstract name starting with `@`.
    public let socketPath: String
    private let logger: Logger
    private var failureLogged = false

    /// The notifier for `NOTIFY_SOCKET`, or `nil` when it is unset or empty (not started by systemd).
    ///
    /// The variable is removed from this process's environment, so the workers it spawns never see it (only the main
    /// process may notify under `NotifyAccess=main`).
    public static func fromEnvironment(logger: Logger) -> SystemdNotifier? {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return nil }
        unsetenv("NOTIFY_SOCKET")
        guard value.hasPrefix("/") || value.hasPrefix("@"), value.utf8.count > 1 else { return nil }
        return SystemdNotifier(socketPath: value, logger: logger)
    }

    public init(socketPath: String, logger: Logger) {
        self.socketPath = socketPath
        self.logger = logger
    }

    /// Sends `notification`; returns whether the datagram was sent whole.
    @discardableResult
    public func send(_ notification: SystemdNotification) -> Bool {
        let failure = self.sending(Array(notification.text.utf8))
        guard let failure else { return true }
        if !self.failureLogged {
            self.failureLogged = true
            self.logger.warning(
                "cannot notify systemd (further failures are not logged)",
                metadata: ["socket": "\(self.socketPath)", "error": "\(failure)"])
        }
        return false
    }

    /// The `CLOCK_MONOTONIC` time in microseconds, as `RELOADING=1` needs it in `MONOTONIC_USEC`.
    public static func monotonicMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }

    /// Sends `bytes` as one datagram; the failure (naming the call) or `nil`.
    private func sending(_ bytes: [UInt8]) -> SystemCallError? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(self.socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // an abstract socket: a leading NUL, no trailing one
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            return SystemCallError(call: "sendto", errno: Errno(ENAMETOOLONG), detail: self.socketPath)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count)
        let fd = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return SystemCallError(call: "socket(AF_UNIX, SOCK_DGRAM)", errno: .current) }
        defer { close(fd) }
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, CInt(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        guard sent == bytes.count else {
            return SystemCallError(
                call: "sendto", errno: sent < 0 ? .current : Errno(EMSGSIZE), detail: self.socketPath)
        }
        return nil
    }
}
