/// One state change told to systemd over `NOTIFY_SOCKET` (`sd_notify(3)`), as the text of its datagram.
public enum SystemdNotification: Equatable, Sendable {
    /// Every worker accepts connections: startup, or a reload, is complete.
    case ready(mainPID: Int32, status: String)
    /// A reload started (SIGHUP); systemd needs the `CLOCK_MONOTONIC` time it started, in microseconds.
    case reloading(monotonicMicros: Int64)
    /// A graceful stop started (SIGTERM/SIGINT).
    case stopping

    /// The datagram: newline-separated `NAME=value` assignments, as `sd_notify` sends them.
    public var text: String {
        switch self {
        case .ready(let mainPID, let status):
            return "READY=1\nSTATUS=\(Self.oneLine(status))\nMAINPID=\(mainPID)"
        case .reloading(let monotonicMicros):
            return "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=\(monotonicMicros)"
        case .stopping:
            return "STOPPING=1\nSTATUS=stopping: draining workers"
        }
    }

    /// `status` with any line break replaced by a space: a newline would end the assignment early.
    static func oneLine(_ status: String) -> String {
        String(status.map { $0.isNewline ? " " : $0 })
    }
}
