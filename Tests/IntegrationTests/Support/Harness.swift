import Foundation
import Glibc
import Testing

/// A scratch directory for one test, removed when the test's harness is released.
final class Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/keygate-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp failed")
        }
        self.path = String(cString: made)
        chmod(self.path, 0o755)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    func file(_ name: String) -> String { self.path + "/" + name }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What a finished command printed.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Harness {
    /// The `keygate` binary built next to this test bundle.
    static var keygate: String { Self.builtProduct("keygate") }

    /// The `keygate-bench` binary (bench-decide, bench-seed, counters-hammer) built next to this test bundle.
    static var keygateBench: String { Self.builtProduct("keygate-bench") }

    /// The path of `name` in the build folder that holds this test bundle.
    static func builtProduct(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = String(decoding: buffer[0..<max(length, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (exe as NSString).deletingLastPathComponent + "/" + name
    }

    /// The repository root (for the shipped nginx/ and apache/ files).
    static var repository: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Runs a command to completion (bounded by `timeout` seconds) and captures its output.
    ///
    /// Uses `posix_spawn` and `waitpid` rather than Foundation's `Process`, which never notices the exit of a
    /// program that daemonizes (nginx) while the daemon keeps its descriptors.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
        timeout: Double = 30
    ) throws -> CommandResult {
        let outPath = Self.temporaryFile()
        let errPath = Self.temporaryFile()
        let inPath = Self.temporaryFile()
        defer {
            unlink(outPath)
            unlink(errPath)
            unlink(inPath)
        }
        try (stdin ?? "").write(toFile: inPath, atomically: false, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["KEYGATE_DB"] = nil
        for (key, value) in environment { env[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // The test runner's threads block signals (libdispatch workers do); a daemon such as Apache would inherit
        // that mask and never see its SIGTERM. Start every child with no signal blocked and default dispositions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw HarnessError("posix_spawn \(executable): errno \(spawned)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw HarnessError("\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
            }
            usleep(2_000)
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let outData = FileManager.default.contents(atPath: outPath) ?? Data()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return CommandResult(
            status: exitStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `keygate` with `arguments`.
    @discardableResult
    static func keygate(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
        try Self.run(Self.keygate, arguments, stdin: stdin)
    }

    /// Runs `keygate-bench` with `arguments`.
    @discardableResult
    static func keygateBench(_ arguments: [String]) throws -> CommandResult {
        try Self.run(Self.keygateBench, arguments)
    }

    /// An empty file of its own under /tmp.
    static func temporaryFile() -> String {
        var template = Array("/tmp/keygate-out-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Creates a key and returns (id, secret) parsed from `--json` output.
    static func createKey(db: String, _ extra: [String] = []) throws -> (id: String, secret: String) {
        let result = try Self.keygate(["keys", "create", "--db", db, "--name", "test key", "--json"] + extra)
        guard result.status == 0 else { throw HarnessError("keys create failed: \(result.stderr)") }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard let id = object?["id"] as? String, let secret = object?["key"] as? String else {
            throw HarnessError("keys create printed no id/key: \(result.stdout)")
        }
        return (id, secret)
    }

    /// Waits until `condition` holds, polling; false after `timeout` seconds.
    static func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Child pids of `pid` (from /proc), e.g. the workers of a supervisor.
    static func children(of pid: pid_t) -> [pid_t] {
        let path = "/proc/\(pid)/task/\(pid)/children"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { pid_t($0) }
    }

    /// Every process below `pid` (children of any of its threads, recursively), bounded.
    static func descendants(of pid: pid_t) -> [pid_t] {
        var found: [pid_t] = []
        var queue = [pid]
        while let next = queue.popLast(), found.count < 1_000 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(next)/task")) ?? []
            for task in tasks {
                let text = (try? String(contentsOfFile: "/proc/\(next)/task/\(task)/children", encoding: .utf8)) ?? ""
                for child in text.split(separator: " ").compactMap({ pid_t($0) }) where !found.contains(child) {
                    found.append(child)
                    queue.append(child)
                }
            }
        }
        return found
    }
}

/// A `keygate serve` process started by a test and stopped by PID when the test ends.
final class KeygateServer {
    let process: Process
    let socketPath: String
    let logPath: String

    /// Starts `keygate serve --db db --listen unix:<dir>/keygate.sock …` and waits for the socket.
    convenience init(
        db: String, scratch: Scratch, workers: Int = 2, extra: [String] = [], socketName: String = "keygate.sock",
        launcher: [String] = []
    ) throws {
        let socketPath = scratch.file(socketName)
        try self.init(
            arguments: [
                "--db", db, "--listen", "unix:\(socketPath)", "--socket-mode", "0666", "--workers", "\(workers)",
                "--log-level", "debug",
            ] + extra,
            socketPath: socketPath, scratch: scratch, workers: workers, launcher: launcher)
    }

    /// Starts `launcher… keygate serve arguments…` (e.g. with everything in a `--config` file, or under `setpriv`) and
    /// waits for `socketPath` and `workers` "worker ready" lines.
    init(arguments: [String], socketPath: String, scratch: Scratch, workers: Int, launcher: [String] = []) throws {
        self.socketPath = socketPath
        self.logPath = scratch.file("keygate-\((socketPath as NSString).lastPathComponent).log")
        FileManager.default.createFile(atPath: self.logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? Harness.keygate)
        process.arguments =
            Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [Harness.keygate]) + ["serve"] + arguments
        process.standardError = FileHandle(forWritingAtPath: self.logPath)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let ready = Harness.eventually {
            FileManager.default.fileExists(atPath: self.socketPath)
                && (workers == 0 || self.log.components(separatedBy: "worker ready").count - 1 >= workers)
        }
        guard ready else {
            self.stop()
            throw HarnessError("keygate serve did not start: \(self.log)")
        }
    }

    var pid: pid_t { self.process.processIdentifier }
    var log: String { (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "" }
    var workers: [pid_t] { Harness.children(of: self.pid) }

    /// SIGTERM, then wait (bounded); SIGKILL if it does not stop. Returns the exit status.
    @discardableResult
    func stop(timeout: Double = 15) -> Int32 {
        guard self.process.isRunning else { return self.process.terminationStatus }
        let workers = self.workers
        kill(self.pid, SIGTERM)
        if !Harness.eventually(timeout: timeout, { !self.process.isRunning }) {
            kill(self.pid, SIGKILL)
            for worker in workers { kill(worker, SIGKILL) }
        }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    deinit {
        self.stop()
    }
}
