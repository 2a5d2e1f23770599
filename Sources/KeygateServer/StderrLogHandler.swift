import Glibc
import KeygateCore
import Logging

/// Writes one line per log event to standard error: `2026-11-22T05:40:00Z keygate[123] warning: message key=value`,
/// or with `--log-format json` one JSON object (``LogFormat``).
///
/// One `write(2)` per line, so lines from several worker processes sharing stderr never interleave mid-line. Every
/// message and metadata value goes through a ``LogRedactor`` first, so no call site can log an API key, and repeated
/// lines at info and above are limited per process by ``LogLineGate``: more than 10 lines of one level and message in
/// 10 s are counted and reported as one `N similar lines suppressed: <message>` line.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let redactor: LogRedactor
    private let gate: LogLineGate
    private let format: LogFormat

    public init(
        label: String, level: Logger.Level, format: LogFormat = .text, redactor: LogRedactor = LogRedactor(),
        gate: LogLineGate = .process
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.redactor = redactor
        self.gate = gate
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let message = self.redactor.redacted("\(event.message)")
        // Debug and trace lines are asked for (every denial at debug): only info and above are limited.
        let verdict =
            event.level <= .debug
            ? .unlimited
            : self.gate.admitting(LogLineGate.Template(level: event.level, message: message))
        for report in verdict.reports {
            let level = report.template?.level ?? event.level
            let what = report.template?.message ?? "(other messages beyond the tracked templates)"
            self.write(
                self.format.suppressedLine(
                    time: Self.timestamp(), label: self.label, pid: getpid(), level: "\(level)", count: report.count,
                    message: what) + "\n")
        }
        guard verdict.writes else { return }
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted(by: { $0.key < $1.key }).map { ($0.key, self.redactor.redacted("\($0.value)")) }
        self.write(
            self.format.line(
                time: Self.timestamp(), label: self.label, pid: getpid(), level: "\(event.level)", message: message,
                fields: fields) + "\n")
    }

    /// Writes `line` to stderr in one `write(2)` where possible, control characters but its final newline as `?`.
    private func write(_ line: String) {
        var bytes = Array(line.utf8)
        // A log line never carries control characters other than its newline.
        for index in bytes.indices.dropLast() where bytes[index] < 0x20 && bytes[index] != 0x09 { bytes[index] = 0x3F }
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// Installs this handler for every logger in the process (call once, first thing in `main`).
    ///
    /// `keyQueryParameter` (`--key-query-param`) is redacted from every logged value besides the common names.
    public static func bootstrap(level: Logger.Level, format: LogFormat = .text, keyQueryParameter: String? = nil) {
        let redactor = LogRedactor(configuredParameter: keyQueryParameter)
        LoggingSystem.bootstrap { label in
            StderrLogHandler(label: label, level: level, format: format, redactor: redactor)
        }
    }
}
