import Foundation
import Glibc

/// A real Apache httpd 2.4 (Debian's, with mod_fcgid and mod_authnz_fcgi) started by a test from the shipped
/// `apache/` files, on a loopback port with its own ServerRoot; stopped by PID.
///
/// Apache's children run as `nobody`, and mod_fcgid spawns keygate as that user, so the database, the keygate binary
/// (copied here) and the mod_fcgid socket directory belong to `nobody`; admin commands run as `nobody` too.
final class ApacheServer {
    let scratch: Scratch
    let directory: String
    let port: UInt16
    let authnzPort: UInt16
    let db: String
    let keygate: String

    init(scratch: Scratch) throws {
        self.scratch = scratch
        self.directory = scratch.file("apache")
        self.port = Harness.freePort()
        self.authnzPort = Harness.freePort()
        let fm = FileManager.default
        for sub in [
            "logs", "htdocs/api/reports", "htdocs/api/export", "htdocs/authnz", "fcgidsock", "explain", "data", "bin",
        ] {
            try fm.createDirectory(atPath: self.directory + "/" + sub, withIntermediateDirectories: true)
        }
        chmod(self.directory, 0o755)
        self.keygate = self.directory + "/bin/keygate"
        // cp in its own process: a write descriptor opened here could leak into a process another test spawns at that
        // moment, and then exec of the copy fails with ETXTBSY.
        let copied = try Harness.run("/bin/cp", [Harness.keygate, self.keygate])
        guard copied.status == 0 else { throw HarnessError("cp keygate: \(copied.stderr)") }
        chmod(self.keygate, 0o755)
        try fm.createSymbolicLink(
            atPath: self.directory + "/explain/keygate-explain", withDestinationPath: self.keygate)
        try "protected\n".write(toFile: self.directory + "/htdocs/api/index.txt", atomically: true, encoding: .utf8)
        try "reports\n".write(
            toFile: self.directory + "/htdocs/api/reports/index.txt", atomically: true, encoding: .utf8)
        try "export\n".write(toFile: self.directory + "/htdocs/api/export/index.txt", atomically: true, encoding: .utf8)
        try "authnz\n".write(toFile: self.directory + "/htdocs/authnz/index.txt", atomically: true, encoding: .utf8)
        self.db = self.directory + "/data/keys.db"
        let nobody = getpwnam("nobody")!.pointee
        for path in ["fcgidsock", "data"] { chown(self.directory + "/" + path, nobody.pw_uid, nobody.pw_gid) }
        let repo = Harness.repository + "/apache/"
        let fcgid = try String(contentsOfFile: repo + "keygate-fcgid.conf", encoding: .utf8)
            .replacingOccurrences(of: "/run/keygate/fcgidsock", with: self.directory + "/fcgidsock")
            .replacingOccurrences(of: "/var/lib/keygate/keys.db", with: self.db)
            .replacingOccurrences(of: "/usr/local/lib/keygate", with: self.directory + "/explain")
            .replacingOccurrences(of: "/usr/local/bin/keygate", with: self.keygate)
        try fcgid.write(toFile: self.directory + "/keygate-fcgid.conf", atomically: true, encoding: .utf8)
        let authnz = try String(contentsOfFile: repo + "keygate-authnz-fcgi.conf", encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:9100", with: "127.0.0.1:\(self.authnzPort)")
            .replacingOccurrences(of: "/api/", with: "/authnz/")
            .replacingOccurrences(of: "^/api/reports", with: "^/authnz/reports")
        try authnz.write(toFile: self.directory + "/keygate-authnz-fcgi.conf", atomically: true, encoding: .utf8)
        let conf = try String(contentsOfFile: repo + "example-httpd.conf", encoding: .utf8)
            .replacingOccurrences(of: "@DIR@", with: self.directory)
            .replacingOccurrences(of: "@PORT@", with: "\(self.port)")
        try conf.write(toFile: self.directory + "/httpd.conf", atomically: true, encoding: .utf8)
    }

    /// Runs `keygate` as `nobody` (the user Apache runs keygate as), so every file it creates is usable by both.
    @discardableResult
    func keygate(_ arguments: [String]) throws -> CommandResult {
        try Harness.run("/usr/sbin/runuser", ["-u", "nobody", "--", self.keygate] + arguments)
    }

    func createKey(_ extra: [String] = []) throws -> (id: String, secret: String) {
        let result = try self.keygate(["keys", "create", "--db", self.db, "--name", "apache key", "--json"] + extra)
        guard result.status == 0 else {
            throw HarnessError("keys create as nobody failed (\(result.status)): \(result.stderr)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard let id = object?["id"] as? String, let secret = object?["key"] as? String else {
            throw HarnessError("keys create failed: \(result.stdout) \(result.stderr)")
        }
        return (id, secret)
    }

    func start() throws {
        let result = try Harness.run("/usr/sbin/apache2", ["-f", self.directory + "/httpd.conf", "-k", "start"])
        guard result.status == 0 else {
            throw HarnessError("apache2 failed to start: \(result.stderr) \(result.stdout)")
        }
        guard Harness.eventually({ self.pid != nil }) else {
            throw HarnessError("apache2 wrote no pid file: \(self.errorLog)")
        }
        _ = Harness.eventually(timeout: 5) { (try? Curl.get(self.url("/nothing"))) != nil }
    }

    var pid: pid_t? {
        guard let text = try? String(contentsOfFile: self.directory + "/httpd.pid", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var errorLog: String { (try? String(contentsOfFile: self.directory + "/logs/error.log", encoding: .utf8)) ?? "" }

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    /// Stops Apache and everything it started (its children and the keygate copies mod_fcgid spawned), by PID.
    func stop() {
        guard let pid = self.pid else { return }
        let tree = Harness.descendants(of: pid)
        kill(pid, SIGTERM)
        if !Harness.eventually(timeout: 15, { kill(pid, 0) != 0 }) { kill(pid, SIGKILL) }
        // Whatever outlived its parent (an orphaned child would keep serving the test's port) is stopped too.
        for child in tree where kill(child, 0) == 0 { kill(child, SIGKILL) }
        try? FileManager.default.removeItem(atPath: self.directory + "/httpd.pid")
    }

    deinit {
        self.stop()
    }
}
