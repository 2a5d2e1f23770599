import Glibc
import KeygateCore
import KeygateServer
import KeygateSystem
import KeygateZone
import Logging

/// keygate as a plain CGI program: answers the one request in its environment on stdout, then exits.
///
/// Configured as the no-argument FastCGI start is (`KEYGATE_DB`, `KEYGATE_CONFIG`), it decides as a worker would and
/// counts limits in the same counters file as a running `keygate serve`, but with no supervisor, no worker and no
/// listener: it opens the database, the counters file and the optional tables, answers, and is gone.
enum CGIProgram {
    /// EX_CONFIG: the configuration or a file it names cannot be used.
    static let configurationExitStatus: Int32 = 78

    /// Answers the request and returns the exit status: 0 once the answer is written, ``configurationExitStatus``
    /// when the configuration or its files cannot be used (nothing is written to stdout: the server answers 500), 1
    /// when the environment is over the PARAMS bounds (refused as a FastCGI connection would be) or stdout fails.
    ///
    /// `commandLine` is the no-argument FastCGI start's (`--listen fd:0 --workers 0`), which makes `KEYGATE_CONFIG`
    /// count; the listener is never opened.
    static func run(commandLine: [String]) -> Int32 {
        let configuration: ServeConfiguration
        let prepared: PreparedServe
        do {
            let input = try ServeInput.gathering(commandLine: commandLine)
            configuration = try ServeConfiguration(resolving: input)
            // As a reload does, never act on `rebuild-state`: each request would start the counters afresh.
            prepared = try Serve.prepare(configuration, locatingErrorsWith: input, reloading: true)
        } catch {
            Self.writeToStderr("keygate (CGI): \(error)\n")
            return Self.configurationExitStatus
        }
        let worker = configuration.worker
        StderrLogHandler.bootstrap(
            level: worker.logLevel, format: worker.logFormat, keyQueryParameter: worker.policy.queryParameter)
        let logger = Logger(label: "keygate")
        for warning in prepared.warnings { logger.warning("\(warning)") }
        let gate: Gate
        do {
            gate = try Gate(
                databasePath: worker.databasePath, policy: worker.policy, lastUsed: prepared.lastUsed,
                counters: prepared.counters,
                ipTable: try worker.ipTablePath.map { try IPTable(path: $0, capacity: worker.ipTableCapacity) },
                logger: logger)
        } catch {
            logger.critical("CGI request cannot be decided", metadata: ["error": "\(error)"])
            return Self.configurationExitStatus
        }
        let request: FastCGIRequest
        do {
            request = try CGIEnvironment.request(ProcessEnvironment.entries(), limits: worker.limits)
        } catch {
            logger.error(
                "CGI request refused: its environment is over --max-params-bytes", metadata: ["error": "\(error)"])
            return 1
        }
        let answer = Session.cgiAnswer(request, gate: gate, nowMicros: Clock.nowMicros())
        if let failure = Self.writeAll(answer, to: STDOUT_FILENO) {
            logger.error("CGI answer not written", metadata: ["error": "write(stdout): \(failure)"])
            return 1
        }
        return 0
    }

    /// Writes every byte of `bytes` to `fd` (each write moves on, so the loop ends); the errno of a failed write.
    static func writeAll(_ bytes: [UInt8], to fd: CInt) -> Errno? {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                switch retryingInterrupts({ write(fd, buffer.baseAddress! + offset, buffer.count - offset) }) {
                case .success(let written) where written > 0: offset += written
                case .success: return Errno(EIO)
                case .failure(let errno): return errno
                }
            }
            return nil
        }
    }

    static func writeToStderr(_ text: String) {
        _ = Self.writeAll(Array(text.utf8), to: STDERR_FILENO)
    }
}
