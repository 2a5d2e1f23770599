import Foundation
import Glibc

/// A real lighttpd (Debian's 1.4.69) started by a test from the shipped `lighttpd/` files, on a loopback port in a
/// directory of its own; stopped by PID.
///
/// `keygate.conf` is pointed at `socketPath` (a `keygate serve` the test runs) and `keygate-cgi.conf` at the built
/// keygate binary and `db`. Behind `/api/` are CGI scripts that print the environment lighttpd gives them.
final class LighttpdServer {
    let scratch: Scratch
    let directory: String
    let port: UInt16

    init(scratch: Scratch, socketPath: String, db: String) throws {
        self.scratch = scratch
        self.directory = scratch.file("lighttpd")
        self.port = Harness.freePort()
        let fm = FileManager.default
        for sub in ["logs", "htdocs/api/reports"] {
            try fm.createDirectory(atPath: self.directory + "/" + sub, withIntermediateDirectories: true)
        }
        // What the application behind sees: keygate's identity variables, and whether the key reached it.
        let script = """
            #!/bin/sh
            printf 'Status: 200\\r\\nContent-Type: text/plain\\r\\n\\r\\n'
            printf 'key_id=%s\\n' "${KEYGATE_KEY_ID-<unset>}"
            printf 'key_name=%s\\n' "${KEYGATE_KEY_NAME-<unset>}"
            printf 'owner=%s\\n' "${KEYGATE_OWNER-<unset>}"
            printf 'scopes=%s\\n' "${KEYGATE_SCOPES-<unset>}"
            printf 'variable_header=%s\\n' "${HTTP_VARIABLE_KEYGATE_KEY_ID-<unset>}"
            printf 'authorization=%s\\n' "${HTTP_AUTHORIZATION:+present}"
            printf 'uri=%s\\n' "$REQUEST_URI"

            """
        for path in ["htdocs/api/env.cgi", "htdocs/api/reports/env.cgi"] {
            try script.write(toFile: self.directory + "/" + path, atomically: true, encoding: .utf8)
            chmod(self.directory + "/" + path, 0o755)
        }
        let repo = Harness.repository + "/lighttpd/"
        let keygateConf = try String(contentsOfFile: repo + "keygate.conf", encoding: .utf8)
            .replacingOccurrences(of: "/run/keygate/keygate.sock", with: socketPath)
        try keygateConf.write(toFile: self.directory + "/keygate.conf", atomically: true, encoding: .utf8)
        let cgiConf = try String(contentsOfFile: repo + "keygate-cgi.conf", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/keygate", with: Harness.keygate)
            .replacingOccurrences(of: "/var/lib/keygate/keys.db", with: db)
        guard cgiConf.contains("\"\(Harness.keygate)\"") && cgiConf.contains("\"\(db)\"") else {
            throw HarnessError("lighttpd/keygate-cgi.conf no longer names /usr/local/bin/keygate and the database")
        }
        try cgiConf.write(toFile: self.directory + "/keygate-cgi.conf", atomically: true, encoding: .utf8)
        let conf = try String(contentsOfFile: repo + "example-lighttpd.conf", encoding: .utf8)
            .replacingOccurrences(of: "@DIR@", with: self.directory)
            .replacingOccurrences(of: "@PORT@", with: "\(self.port)")
        try conf.write(toFile: self.directory + "/lighttpd.conf", atomically: true, encoding: .utf8)
    }

    /// Starts lighttpd (it daemonizes once listening; `Harness.run` gives it a clean signal mask) and waits until it
    /// answers.
    func start() throws {
        let result = try Harness.run("/usr/sbin/lighttpd", ["-f", self.directory + "/lighttpd.conf"])
        guard result.status == 0 else { throw HarnessError("lighttpd failed to start: \(result.stderr)") }
        guard Harness.eventually({ self.pid != nil }) else { throw HarnessError("lighttpd wrote no pid file") }
        guard Harness.eventually(timeout: 5, { (try? Curl.get(self.url("/nothing"))) != nil }) else {
            throw HarnessError("lighttpd does not answer: \(self.errorLog)")
        }
    }

    var pid: pid_t? {
        guard let text = try? String(contentsOfFile: self.directory + "/lighttpd.pid", encoding: .utf8) else {
            return nil
        }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var errorLog: String { (try? String(contentsOfFile: self.directory + "/logs/error.log", encoding: .utf8)) ?? "" }

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    /// SIGTERM by PID, bounded; SIGKILL if it does not stop.
    func stop() {
        guard let pid = self.pid else { return }
        kill(pid, SIGTERM)
        if !Harness.eventually(timeout: 10, { kill(pid, 0) != 0 }) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: self.directory + "/lighttpd.pid")
    }

    deinit {
        self.stop()
    }
}
