import Foundation
import Glibc

extension Harness {
    /// Starts `executable arguments…` in the background with stderr to `log` (created empty) and stdout discarded;
    /// `environment` replaces the inherited one when given. Stop it with ``stop(_:timeout:)``.
    static func launch(
        _ executable: String, _ arguments: [String], log: String, environment: [String: String]? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGTERM, a bounded wait, then SIGKILL: stops a process a test launched, by its pid.
    static func stop(_ process: Process, timeout: Double = 15) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !Self.eventually(timeout: timeout, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

extension Curl {
    /// The status code of a forward-auth check as nginx's keygate-http.conf sends it (0: no answer in `maxTime` s).
    static func checkStatus(port: UInt16, key: String?, maxTime: Int = 5) throws -> Int {
        var arguments = [
            "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "\(maxTime)", "-H", "X-Original-URI: /api/x",
        ]
        if let key { arguments += ["-H", "X-Api-Key: \(key)"] }
        let result = try Harness.run("/usr/bin/curl", arguments + ["http://127.0.0.1:\(port)/_keygate"])
        return Int(result.stdout) ?? 0
    }
}
