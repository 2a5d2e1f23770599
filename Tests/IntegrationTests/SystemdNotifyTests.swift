import Foundation
import Glibc
import Testing

/// `keygate serve` under a `Type=notify` unit, with a fake systemd: a unix datagram socket named by NOTIFY_SOCKET.
@Suite(.serialized)
final class SystemdNotifyTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let notify: NotifySocket

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
        self.notify = try NotifySocket(path: self.scratch.file("notify.sock"))
    }

    /// Starts `keygate serve` with NOTIFY_SOCKET set to `notifySocket` (the fake systemd's by default); stderr goes
    /// to `serve.log`.
    func start(_ arguments: [String], notifySocket: String? = nil) throws -> Process {
        var environment = ProcessInfo.processInfo.environment
        environment["KEYGATE_DB"] = nil
        environment["NOTIFY_SOCKET"] = notifySocket ?? self.notify.path
        return try Harness.launch(
            Harness.keygate, ["serve", "--db", self.db] + arguments, log: self.scratch.file("serve.log"),
            environment: environment)
    }

    var log: String { (try? String(contentsOfFile: self.scratch.file("serve.log"), encoding: .utf8)) ?? "" }

    /// The key checked over HTTP forward auth on `port`, with a short deadline: answered means a worker accepted it.
    func answer(port: UInt16) throws -> Int {
        try Curl.checkStatus(port: port, key: self.key.secret, maxTime: 1)
    }

    @Test func readyReloadingStoppingWithWorkers() throws {
        let port = Harness.freePort()
        let process = try self.start(["--listen", "http://127.0.0.1:\(port)", "--workers", "2"])
        defer { Harness.stop(process) }
        let pid = process.processIdentifier

        let ready = try #require(self.notify.receive(timeout: 20), "no notification: \(self.log)")
        // READY=1 comes only once every worker accepts: a request sent now is answered at once.
        #expect(try self.answer(port: port) == 204, "\(self.log)")
        #expect(ready.hasPrefix("READY=1\n"), "\(ready)")
        #expect(ready.contains("\nMAINPID=\(pid)"), "\(ready)")
        #expect(ready.contains("STATUS=serving http://127.0.0.1:\(port)"), "\(ready)")
        // (A worker logs "worker ready" just after telling the supervisor, so the line may trail the notification.)
        #expect(Harness.eventually { self.log.components(separatedBy: "worker ready").count - 1 == 2 }, "\(self.log)")
        // Only the main process may notify (NotifyAccess=main): the workers never see NOTIFY_SOCKET.
        let workers = Harness.children(of: pid)
        #expect(workers.count == 2)
        for worker in workers {
            let environment = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(worker)/environ"))) ?? Data()
            #expect(!environment.isEmpty)
            #expect(!String(decoding: environment, as: UTF8.self).contains("NOTIFY_SOCKET="))
        }

        let before = Self.monotonicMicros()
        kill(pid, SIGHUP)
        let reloading = try #require(self.notify.receive(timeout: 10), "no RELOADING=1: \(self.log)")
        let after = Self.monotonicMicros()
        #expect(reloading.hasPrefix("RELOADING=1\n"), "\(reloading)")
        let micros = reloading.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
            .flatMap { Int64($0.dropFirst("MONOTONIC_USEC=".count)) }
        #expect(micros.map { $0 >= before && $0 <= after } == true, "\(reloading) not in \(before)...\(after)")
        let readyAgain = try #require(self.notify.receive(timeout: 20), "no READY=1 after the reload: \(self.log)")
        #expect(readyAgain.hasPrefix("READY=1\n"), "\(readyAgain)")
        #expect(Harness.eventually { self.log.components(separatedBy: "worker ready").count - 1 == 4 }, "\(self.log)")
        #expect(try self.answer(port: port) == 204)

        kill(pid, SIGTERM)
        let stopping = try #require(self.notify.receive(timeout: 10), "no STOPPING=1: \(self.log)")
        #expect(stopping.hasPrefix("STOPPING=1"), "\(stopping)")
        #expect(Harness.eventually(timeout: 15) { !process.isRunning })
        #expect(self.notify.receive(timeout: 0.2) == nil)
    }

    @Test func readyAfterAFailedReloadKeepsTheRunningConfiguration() throws {
        let port = Harness.freePort()
        let config = self.scratch.file("keygate.conf")
        try "listen = http://127.0.0.1:\(port)\nworkers = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let process = try self.start(["--config", config])
        defer { Harness.stop(process) }
        let ready = try #require(self.notify.receive(timeout: 20), "no notification: \(self.log)")
        #expect(ready.hasPrefix("READY=1\n"))
        try "listen = http://127.0.0.1:\(port)\nworkers = many\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(self.notify.receive(timeout: 10)?.hasPrefix("RELOADING=1\n") == true)
        #expect(self.notify.receive(timeout: 10)?.hasPrefix("READY=1\n") == true, "\(self.log)")
        #expect(self.log.contains("reload failed; keeping the running configuration"))
        #expect(try self.answer(port: port) == 204)
    }

    @Test func readyInOneProcess() throws {
        let port = Harness.freePort()
        let process = try self.start(["--listen", "http://127.0.0.1:\(port)", "--workers", "0"])
        defer { Harness.stop(process) }
        let ready = try #require(self.notify.receive(timeout: 20), "no notification: \(self.log)")
        #expect(try self.answer(port: port) == 204, "\(self.log)")
        #expect(ready.hasPrefix("READY=1\n"), "\(ready)")
        #expect(ready.contains("\nMAINPID=\(process.processIdentifier)"), "\(ready)")
        kill(process.processIdentifier, SIGTERM)
        #expect(self.notify.receive(timeout: 15)?.hasPrefix("STOPPING=1") == true, "\(self.log)")
    }

    @Test func anAbstractSocketIsNotifiedToo() throws {
        let name = "@keygate-test-\(getpid())-\(Harness.freePort())"
        let abstract = try NotifySocket(path: name)
        let port = Harness.freePort()
        let process = try self.start(["--listen", "http://127.0.0.1:\(port)", "--workers", "1"], notifySocket: name)
        defer { Harness.stop(process) }
        #expect(abstract.receive(timeout: 20)?.hasPrefix("READY=1\n") == true)
    }

    @Test func anUnreachableSocketIsLoggedOnceAndServingGoesOn() throws {
        let port = Harness.freePort()
        let process = try self.start(
            ["--listen", "http://127.0.0.1:\(port)", "--workers", "1"],
            notifySocket: self.scratch.file("nobody-listens.sock"))
        defer { Harness.stop(process) }
        #expect(Harness.eventually(timeout: 20) { self.log.contains("worker ready") })
        kill(process.processIdentifier, SIGHUP)
        #expect(Harness.eventually(timeout: 20) { self.log.components(separatedBy: "worker ready").count - 1 == 2 })
        #expect(try self.answer(port: port) == 204)
        #expect(self.log.components(separatedBy: "cannot notify systemd").count - 1 == 1, "\(self.log)")
    }

    static func monotonicMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}

/// A fake systemd notification socket: a bound unix datagram socket (a path, or `@name` for an abstract one).
final class NotifySocket {
    let path: String
    let fd: CInt

    init(path: String) throws {
        self.path = path
        self.fd = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard self.fd >= 0 else { throw HarnessError("socket(AF_UNIX, SOCK_DGRAM): errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(self.fd, $0, length) }
        }
        guard bound == 0 else {
            close(self.fd)
            throw HarnessError("bind \(path): errno \(errno)")
        }
    }

    /// The next datagram's text, or `nil` if none arrives within `timeout` seconds.
    func receive(timeout: Double) -> String? {
        var poller = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, CInt(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(self.fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    deinit {
        close(self.fd)
        if !self.path.hasPrefix("@") { unlink(self.path) }
    }
}
