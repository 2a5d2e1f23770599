/// Rate-limits repeated log lines: per template, at most ``linesPerWindow`` lines in a fixed window of
/// ``windowMillis``; the rest are counted, and reported once the window has rolled.
///
/// A template is what makes lines "similar" (the handler uses level + message text, without metadata). Windows start
/// with the first line of a template. Reports of suppressed lines are handed out by the next call of any template
/// after the window ends, so a flood that stops is still reported as soon as anything else is logged. At most
/// ``maxTemplates`` templates are tracked; beyond that, new templates share one overflow entry, so varying messages
/// cannot grow the table or escape the limit. Pure: time is an argument.
public struct LogLineLimiter<Template: Hashable & Sendable>: Sendable {
    /// Lines of one template written per window.
    public let linesPerWindow: Int
    /// Length of a window in milliseconds.
    public let windowMillis: Int64
    /// Templates tracked individually.
    public let maxTemplates: Int

    /// What the caller does with one line.
    public struct Verdict: Equatable, Sendable {
        /// Write the line (otherwise it was counted as suppressed).
        public var writes: Bool
        /// Lines to write before it: templates whose windows ended with this many lines suppressed.
        public var reports: [Report]

        /// Write the line, with nothing to report: what an unlimited line gets.
        public static var unlimited: Verdict { Verdict(writes: true, reports: []) }
    }

    /// `count` lines of `template` were suppressed in a window that has ended; `template` is `nil` for the overflow
    /// entry shared by templates beyond ``maxTemplates``.
    public struct Report: Equatable, Sendable {
        public var template: Template?
        public var count: Int
    }

    struct Window: Sendable {
        var startMillis: Int64
        var written: Int
        var suppressed: Int
    }

    var windows: [Template: Window] = [:]
    var overflow: Window?
    /// The earliest end of a window with suppressed lines; nothing to report before it.
    var nextReportMillis = Int64.max

    public init(linesPerWindow: Int = 10, windowMillis: Int64 = 10_000, maxTemplates: Int = 256) {
        precondition(linesPerWindow > 0 && windowMillis > 0 && maxTemplates > 0, "log limiter bounds must be positive")
        self.linesPerWindow = linesPerWindow
        self.windowMillis = windowMillis
        self.maxTemplates = maxTemplates
    }

    /// Counts one line of `template` at `nowMillis` (a monotonic clock) and says whether to write it.
    public mutating func admitting(_ template: Template, at nowMillis: Int64) -> Verdict {
        let reports = nowMillis >= self.nextReportMillis ? self.rollingEnded(at: nowMillis) : []
        if var window = self.windows[template] {
            let writes = self.count(&window, at: nowMillis)
            self.windows[template] = window
            return Verdict(writes: writes, reports: reports)
        }
        if self.windows.count >= self.maxTemplates { self.forgetQuiet(at: nowMillis) }
        if self.windows.count < self.maxTemplates {
            self.windows[template] = Window(startMillis: nowMillis, written: 1, suppressed: 0)
            return Verdict(writes: true, reports: reports)
        }
        var window = self.overflow ?? Window(startMillis: nowMillis, written: 0, suppressed: 0)
        let writes = self.count(&window, at: nowMillis)
        self.overflow = window
        return Verdict(writes: writes, reports: reports)
    }

    /// Counts one line in `window`, starting a new window if the old one ended; true if the line is written.
    mutating func count(_ window: inout Window, at nowMillis: Int64) -> Bool {
        if nowMillis - window.startMillis >= self.windowMillis {
            // Its suppressed lines were reported by rollingEnded(at:) already.
            window = Window(startMillis: nowMillis, written: 0, suppressed: 0)
        }
        if window.written < self.linesPerWindow {
            window.written += 1
            return true
        }
        window.suppressed += 1
        self.nextReportMillis = min(self.nextReportMillis, window.startMillis + self.windowMillis)
        return false
    }

    /// Reports and clears the suppressed counts of every window that has ended by `nowMillis`.
    mutating func rollingEnded(at nowMillis: Int64) -> [Report] {
        var reports: [Report] = []
        var next = Int64.max
        for (template, window) in self.windows where window.suppressed > 0 {
            let end = window.startMillis + self.windowMillis
            if nowMillis >= end {
                reports.append(Report(template: template, count: window.suppressed))
                self.windows[template]?.suppressed = 0
            } else {
                next = min(next, end)
            }
        }
        if let overflow = self.overflow, overflow.suppressed > 0 {
            let end = overflow.startMillis + self.windowMillis
            if nowMillis >= end {
                reports.append(Report(template: nil, count: overflow.suppressed))
                self.overflow?.suppressed = 0
            } else {
                next = min(next, end)
            }
        }
        self.nextReportMillis = next
        return reports
    }

    /// Drops templates whose window ended with nothing left to report, making room for new ones.
    mutating func forgetQuiet(at nowMillis: Int64) {
        self.windows = self.windows.filter { _, window in
            window.suppressed > 0 || nowMillis - window.startMillis < self.windowMillis
        }
    }
}
