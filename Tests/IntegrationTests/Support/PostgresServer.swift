import Foundation
import Glibc
import KeygateCore
import KeygatePostgres
import Testing

/// A private PostgreSQL 15 server (Debian's `postgresql` package) in a scratch directory, listening on a free
/// 127.0.0.1 port and a unix socket in that directory, with `fsync=off`; stopped by pid (SIGINT, then SIGKILL).
///
/// PostgreSQL refuses to run as root, so under root (CI) `initdb` and `postgres` run as `nobody` through `setpriv`
/// and the directory is given to that user. The superuser is `keygate`, with a random password (scram-sha-256 on
/// every connection, the unix socket included). A suite gets one server through the ``Scope`` trait and each test
/// one database (``makeDatabase()``). Immutable once started, so tests may share it.
final class PostgresServer: @unchecked Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    let scratch: Scratch
    let port: UInt16
    let user = "keygate"
    let password: String
    private let process: Process

    /// The server of the suite being run (see ``Scope``).
    @TaskLocal static var current: PostgresServer?

    init() throws {
        self.scratch = try Scratch()
        self.port = Harness.freePort()
        self.password = "pw-" + (0..<16).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        let launcher = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] : []
        if getuid() == 0 { try Self.giveToNobody(self.scratch.path) }
        let passwordFile = self.scratch.file("superuser-password")
        try self.password.write(toFile: passwordFile, atomically: false, encoding: .utf8)
        if getuid() == 0 { try Self.giveToNobody(passwordFile) }
        let initdb =
            launcher + [
                "\(Self.binaries)/initdb", "-D", self.scratch.file("data"), "-U", self.user, "--auth=scram-sha-256",
                "--pwfile=\(passwordFile)", "-E", "UTF8", "--locale=C", "--no-sync",
            ]
        let initialized = try Harness.run(initdb[0], Array(initdb.dropFirst()), timeout: 120)
        guard initialized.status == 0 else {
            throw HarnessError("initdb failed: \(initialized.stdout)\(initialized.stderr)")
        }
        let postgres =
            launcher + [
                "\(Self.binaries)/postgres", "-D", self.scratch.file("data"), "-p", "\(self.port)", "-c",
                "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(self.scratch.path)", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=40",
            ]
        self.process = try Harness.launch(
            postgres[0], Array(postgres.dropFirst()), log: self.scratch.file("postgres.log"))
        let ready = Harness.eventually(timeout: 60) {
            (try? PostgresConnection(url: PostgresURL(self.url(database: "postgres")))) != nil
        }
        guard ready else {
            self.stop()
            throw HarnessError("postgres did not accept connections on port \(self.port): \(self.log)")
        }
    }

    private static func giveToNobody(_ path: String) throws {
        guard chown(path, 65534, 65534) == 0 else { throw HarnessError("chown \(path): errno \(errno)") }
    }

    var pid: pid_t { self.process.processIdentifier }
    var log: String { (try? String(contentsOfFile: self.scratch.file("postgres.log"), encoding: .utf8)) ?? "" }

    /// The TCP URL of `database`, password included.
    func url(database: String, password: String? = nil) -> String {
        "postgresql://\(self.user):\(password ?? self.password)@127.0.0.1:\(self.port)/\(database)"
    }

    /// A new empty database of its own, as a URL with the password in it.
    func makeDatabase() throws -> String {
        let name = "test_\(UInt64.random(in: 0...UInt64.max))"
        let admin = try PostgresConnection(url: PostgresURL(self.url(database: "postgres")))
        try admin.execute(script: "CREATE DATABASE \(name)")
        return self.url(database: name)
    }

    /// SIGINT (fast shutdown), a bounded wait, then SIGKILL.
    func stop() {
        guard self.process.isRunning else { return }
        kill(self.pid, SIGINT)
        if !Harness.eventually(timeout: 20, { !self.process.isRunning }) { kill(self.pid, SIGKILL) }
        self.process.waitUntilExit()
    }

    deinit { self.stop() }

    /// Starts one server around a whole suite (`@Suite(PostgresServer.Scope())`) and stops it afterwards; tests
    /// reach it through ``current``.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(
            for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
        ) async throws {
            let server = try PostgresServer()
            defer { server.stop() }
            try await PostgresServer.$current.withValue(server) { try await function() }
        }
    }
}
