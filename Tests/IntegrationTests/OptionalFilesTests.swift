import Foundation
import Glibc
import Testing

/// A shared file keygate cannot open: optional ones (the `.state` last-used table) cost a feature and one warning,
/// never a request; files decisions need still refuse to start. Runs serve as `nobody` through `setpriv`.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.fileExists(atPath: "/usr/bin/setpriv")))
final class OptionalFilesTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    static let nobody: uid_t = 65_534
    static let launcher = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    init() throws {
        self.scratch = try Scratch()
        chmod(self.scratch.path, 0o777)
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: self.db + suffix) {
            chown(self.db + suffix, Self.nobody, gid_t(Self.nobody))
        }
    }

    /// A file of `root` with mode 0600 at `path`.
    func rootOnly(_ path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o600])
        chown(path, 0, 0)
    }

    @Test(arguments: [0, 2])
    func unreadableStateFileIsSkippedWithOneWarning(workers: Int) throws {
        let state = self.db + ".state"
        self.rootOnly(state)
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: workers, launcher: Self.launcher)
        defer { server.stop() }
        #expect(try server.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        #expect(try server.ask([]).status == 401)
        #expect(try server.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        let log = server.log
        let warnings = log.split(separator: "\n").filter { $0.contains("cannot use \(state)") }
        #expect(warnings.count == 1, "\(log)")
        let warning = String(warnings.first ?? "")
        #expect(warning.contains("owned by root (uid 0), mode 0600"))
        #expect(warning.contains("keygate runs as nobody (uid 65534)"))
        #expect(warning.contains("chown nobody \(state), or --state off"))
        #expect(!log.contains(self.key.secret))
    }

    /// A `.state` of another layout is not a permissions problem: the warning passes on what the file check says.
    @Test func stateFileOfAnotherLayoutIsSkippedWithItsOwnAdvice() throws {
        let state = self.db + ".state"
        FileManager.default.createFile(atPath: state, contents: Data(repeating: 7, count: 100))
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 0)
        defer { server.stop() }
        #expect(try server.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204)
        let warning = server.log.split(separator: "\n").first { $0.contains("cannot use \(state)") } ?? ""
        #expect(
            warning.contains("--rebuild-state") && warning.contains("Fix: see the cause, or --state off"), "\(warning)")
    }

    /// The counters file is needed for keys with limits: one keygate cannot open refuses the start, naming it.
    @Test func unreadableCountersFileStillRefusesToStart() throws {
        let counters = self.db + ".counters"
        self.rootOnly(counters)
        let result = try Harness.run(
            Self.launcher[0],
            Array(Self.launcher.dropFirst()) + [
                Harness.keygate, "serve", "--db", self.db, "--workers", "0",
                "--listen", "unix:\(self.scratch.file("never.sock"))",
            ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--counters") && result.stderr.contains(counters), "\(result.stderr)")
    }
}
