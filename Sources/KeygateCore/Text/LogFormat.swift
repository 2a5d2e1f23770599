/// How a log line is written: `text` for people (`TIME LABEL[PID] LEVEL: message key=value…`), `json` for log
/// collectors (one object per line). Pure: the handler hands it what it already redacted.
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    case text
    case json

    /// One event's line, without its newline. `fields` are the metadata, sorted by name by the caller.
    public func line(
        time: String, label: String, pid: Int32, level: String, message: String, fields: [(String, String)]
    ) -> String {
        switch self {
        case .text:
            var line = "\(time) \(label)[\(pid)] \(level): \(message)"
            for (name, value) in fields { line += " \(name)=\(value)" }
            return line
        case .json:
            // The fixed members first; a metadata field never replaces one of them (it is written as `field_NAME`).
            var line =
                "{\"time\":\(JSONText.quoted(time)),\"level\":\(JSONText.quoted(level)),"
                + "\"logger\":\(JSONText.quoted(label)),\"pid\":\(pid),\"event\":\(JSONText.quoted(message))"
            for (name, value) in fields {
                let member = Self.reserved.contains(name) ? "field_" + name : name
                line += ",\(JSONText.quoted(member)):\(JSONText.quoted(value))"
            }
            return line + "}"
        }
    }

    /// A summary of lines held back by the per-process limiter.
    public func suppressedLine(time: String, label: String, pid: Int32, level: String, count: Int, message: String)
        -> String
    {
        switch self {
        case .text:
            return "\(time) \(label)[\(pid)] \(level): \(count) similar lines suppressed: \(message)"
        case .json:
            return self.line(
                time: time, label: label, pid: pid, level: level, message: "similar lines suppressed",
                fields: [("count", "\(count)"), ("message", message)])
        }
    }

    private static let reserved: Set<String> = ["time", "level", "logger", "pid", "event"]
}
