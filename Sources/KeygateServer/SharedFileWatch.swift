import KeygateSystem
import KeygateZone
import Logging

/// Notices a shared file truncated, replaced or deleted while keygate runs, and says so loudly and repeatedly.
///
/// ``check(nowMillis:)`` runs from a worker's or the supervisor's once-a-second sweep (a `fstat` and a `stat` per
/// file); a SIGBUS on a truncated file marks its mapping lost between sweeps. Lost is sticky until a restart.
final class SharedFileWatch {
    /// One watched file and what its loss means for requests.
    struct Watched {
        var mapping: Mapping
        var consequence: String
    }

    private let files: [Watched]
    private let logger: Logger
    /// Per file: when its loss was last logged (0: never).
    private var loggedMillis: [Int64]

    /// A lost file is logged at once, then again this often.
    static let repeatMillis: Int64 = 30_000

    init(_ files: [Watched], logger: Logger) {
        self.files = files
        self.logger = logger
        self.loggedMillis = [Int64](repeating: 0, count: files.count)
    }

    /// The counters file's loss, as logged: limits fail closed until an operator acts.
    static let countersConsequence =
        "keys with limits now get 503 limits_unavailable (fail closed); restart keygate with --rebuild-state "
        + "(restores counts from the last roll-up) or restore the file"

    /// Checks every file (once lost, no system call) and logs each lost one, rate-limited.
    func check(nowMillis: Int64) {
        for (index, file) in self.files.enumerated() where !file.mapping.checkIntact() {
            let last = self.loggedMillis[index]
            guard last == 0 || nowMillis - last >= Self.repeatMillis else { continue }
            self.loggedMillis[index] = nowMillis
            self.logger.critical(
                "shared file truncated, replaced or deleted while running",
                metadata: ["path": "\(file.mapping.path)", "consequence": "\(file.consequence)"])
        }
    }
}
