import KeygateCore
import KeygateSystem
import Logging
import Synchronization

/// The repeated-line limiter shared by every ``StderrLogHandler`` of a process (handlers are values; this is not).
public final class LogLineGate: Sendable {
    /// Level and message text: what makes two lines similar.
    public struct Template: Hashable, Sendable {
        var level: Logger.Level
        var message: String
    }

    /// The gate of this process.
    public static let process = LogLineGate()

    private let limiter: Mutex<LogLineLimiter<Template>>

    public init(limiter: LogLineLimiter<Template> = LogLineLimiter()) {
        self.limiter = Mutex(limiter)
    }

    /// Counts one line now and says whether to write it and what to report first.
    func admitting(_ template: Template) -> LogLineLimiter<Template>.Verdict {
        let now = Clock.monotonicMillis()
        return self.limiter.withLock { $0.admitting(template, at: now) }
    }
}
