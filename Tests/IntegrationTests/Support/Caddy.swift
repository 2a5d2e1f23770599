import Foundation
import Glibc

/// Real Caddy (Debian's caddy 2.6.2) running the shipped `caddy/Caddyfile`, with an echo API on a second port.
final class CaddyServer {
    let process: Process
    let port: UInt16
    let upstreamPort: UInt16
    let logPath: String

    /// Starts `caddy run` on the shipped Caddyfile (sites and upstreams given through its `{$…}` variables), plus
    /// a site standing in for the API that echoes what it was told about the caller.
    init(scratch: Scratch, keygateAddress: String) throws {
        self.port = Harness.freePort()
        self.upstreamPort = Harness.freePort()
        let directory = scratch.file("caddy")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let shipped = try String(contentsOfFile: Harness.repository + "/caddy/Caddyfile", encoding: .utf8)
        let echo = """

            http://127.0.0.1:\(self.upstreamPort) {
            \trespond "upstream: uri={uri} key_id={header.X-Keygate-Key-Id} owner={header.X-Keygate-Owner} scopes={header.X-Keygate-Scopes} authorization={header.Authorization} x_api_key={header.X-Api-Key}"
            }

            """
        let config = directory + "/Caddyfile"
        try (shipped + echo).write(toFile: config, atomically: true, encoding: .utf8)
        self.logPath = directory + "/caddy.log"
        FileManager.default.createFile(atPath: self.logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/caddy")
        process.arguments = ["run", "--config", config, "--adapter", "caddyfile"]
        process.environment = [
            "KEYGATE_SITE": "127.0.0.1:\(self.port)", "KEYGATE_UPSTREAM": keygateAddress,
            "API_UPSTREAM": "127.0.0.1:\(self.upstreamPort)", "HOME": directory, "XDG_DATA_HOME": directory,
            "XDG_CONFIG_HOME": directory, "PATH": "/usr/bin:/bin",
        ]
        process.standardError = FileHandle(forWritingAtPath: self.logPath)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let ready = Harness.eventually {
            (try? RawSocket(port: self.port)) != nil && (try? RawSocket(port: self.upstreamPort)) != nil
        }
        guard ready else {
            self.stop()
            throw HarnessError("caddy did not start: \(self.log)")
        }
    }

    var log: String { (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "" }

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    func stop() {
        guard self.process.isRunning else { return }
        kill(self.process.processIdentifier, SIGTERM)
        if !Harness.eventually(timeout: 10, { !self.process.isRunning }) {
            kill(self.process.processIdentifier, SIGKILL)
        }
        self.process.waitUntilExit()
    }

    deinit {
        self.stop()
    }
}
