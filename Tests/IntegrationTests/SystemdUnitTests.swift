import Foundation
import Glibc
import Testing

/// The shipped units in ops/systemd and config in ops/keygate.conf: checked by systemd-analyze, and the service's
/// hardening (syscall filter, MemoryDenyWriteExecute) held against what a real keygate does.
struct SystemdUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let hasAnalyze = FileManager.default.fileExists(atPath: Self.analyze)
    let scratch: Scratch

    init() throws {
        self.scratch = try Scratch()
    }

    /// The shipped units in a directory of their own, ExecStart pointed at the built binary, `edit` applied to the
    /// service; the output of `systemd-analyze verify` on both.
    func verify(editingService edit: (String) -> String = { $0 }) throws -> CommandResult {
        let directory = self.scratch.file("units")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let service = try String(
            contentsOfFile: Harness.repository + "/ops/systemd/keygate.service", encoding: .utf8)
        try #require(service.contains("ExecStart=/usr/bin/keygate serve --config /etc/keygate/keygate.conf\n"))
        try edit(service).replacingOccurrences(of: "/usr/bin/keygate ", with: Harness.keygate + " ")
            .write(toFile: directory + "/keygate.service", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: Harness.repository + "/ops/systemd/keygate.socket", toPath: directory + "/keygate.socket")
        return try Harness.run(
            Self.analyze, ["verify", "--man=no", directory + "/keygate.service", directory + "/keygate.socket"])
    }

    @Test(.enabled(if: Self.hasAnalyze)) func shippedUnitsVerifyWithoutAWord() throws {
        let result = try self.verify()
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(result.stdout)\(result.stderr)")
        let security = try Harness.run(
            Self.analyze, ["security", "--offline=yes", "--man=no", self.scratch.file("units/keygate.service")])
        let exposure = security.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") }
        let score = exposure.flatMap { line in
            line.split(separator: " ").compactMap { Double($0) }.first
        }
        #expect(score.map { $0 < 2.0 } == true, "\(exposure ?? "no exposure level"): \(security.stderr)")
    }

    @Test(
        .enabled(if: Self.hasAnalyze),
        arguments: [
            ("Type=notify\n", "Type=notifyy\n", "Failed to parse service type"),
            ("SystemCallFilter=@system-service\n", "SystemCallFilter=@system-servic\n", "Unknown system call group"),
            ("UMask=0027\n", "UMask=0027\nProtectSytem=strict\n", "Unknown key 'ProtectSytem'"),
            ("ExecStart=/usr/bin/keygate", "ExecStart=/nonexistent/keygate", "is not executable"),
        ])
    func aBrokenUnitFailsTheCheck(original: String, broken: String, message: String) throws {
        let result = try self.verify { service in
            #expect(service.contains(original))
            return service.replacingOccurrences(of: original, with: broken)
        }
        // systemd-analyze verify ignores what it cannot parse with a warning, and fails on a missing executable:
        // the check is "exit 0 and nothing printed".
        #expect(result.status != 0 || !(result.stdout + result.stderr).isEmpty)
        #expect((result.stdout + result.stderr).contains(message), "\(result.stdout)\(result.stderr)")
    }

    @Test func packagedConfigPassesConfigCheck() throws {
        let result = try Harness.keygate(["config", "check", Harness.repository + "/ops/keygate.conf"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Harness.repository + "/ops/keygate.conf: ok\n")
    }

    /// The system calls a set of `SystemCallFilter=` lines allows, expanded by systemd-analyze's own group table.
    static func allowedSystemCalls(filterLines: [String]) throws -> Set<String> {
        let table = try Harness.run(Self.analyze, ["syscall-filter", "--no-pager"]).stdout
        var groups: [String: [String]] = [:]
        var current = ""
        for line in table.split(separator: "\n") {
            if line.hasPrefix("@") {
                current = String(line)
                groups[current] = []
            } else if line.hasPrefix("    "), !line.contains("#"), !current.isEmpty {
                groups[current, default: []].append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        func expand(_ entry: String, depth: Int = 0) -> Set<String> {
            guard entry.hasPrefix("@"), depth < 10 else { return [entry] }
            return (groups[entry] ?? []).reduce(into: Set<String>()) { $0.formUnion(expand($1, depth: depth + 1)) }
        }
        var allowed = Set<String>()
        for line in filterLines {
            let value = line.dropFirst("SystemCallFilter=".count)
            let denies = value.hasPrefix("~")
            let names = value.dropFirst(denies ? 1 : 0).split(separator: " ").map(String.init)
            let expanded = names.reduce(into: Set<String>()) { $0.formUnion(expand($1)) }
            if denies { allowed.subtract(expanded) } else { allowed.formUnion(expanded) }
        }
        return allowed
    }

    /// keygate run by strace as an unprivileged user (as the unit runs it): serve over HTTP and FastCGI with metrics,
    /// answer, scrape, reload, stop; every system call any of its processes made must pass the unit's SystemCallFilter.
    @Test(.enabled(if: Self.hasAnalyze && FileManager.default.fileExists(atPath: "/usr/bin/strace") && getuid() == 0))
    func everySystemCallPassesTheUnitsFilter() throws {
        let service = try String(
            contentsOfFile: Harness.repository + "/ops/systemd/keygate.service", encoding: .utf8)
        let filter = service.split(separator: "\n").map(String.init).filter { $0.hasPrefix("SystemCallFilter=") }
        #expect(filter.count >= 1)
        let allowed = try Self.allowedSystemCalls(filterLines: filter)
        #expect(allowed.contains("epoll_wait") && !allowed.contains("reboot") && !allowed.contains("setrlimit"))

        let data = self.scratch.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let nobody = try #require(getpwnam("nobody"))
        let db = data + "/keys.db"
        let key = try Harness.createKey(db: db)
        for name in (try FileManager.default.contentsOfDirectory(atPath: data)).map({ data + "/" + $0 }) + [data] {
            chown(name, nobody.pointee.pw_uid, nobody.pointee.pw_gid)
        }
        let port = Harness.freePort()
        let metricsPort = Harness.freePort()
        let trace = self.scratch.file("strace.out")
        let strace = try Harness.launch(
            "/usr/bin/strace",
            [
                "-f", "-qq", "-u", "nobody", "-o", trace, Harness.keygate, "serve", "--db", db, "--listen",
                "http://127.0.0.1:\(port)", "--listen", "unix:\(data)/fastcgi.sock", "--workers", "2",
                "--metrics-listen", "http://127.0.0.1:\(metricsPort)",
            ], log: self.scratch.file("serve.log"))
        defer { Harness.stop(strace) }
        let log = { (try? String(contentsOfFile: self.scratch.file("serve.log"), encoding: .utf8)) ?? "" }
        try #require(
            Harness.eventually(timeout: 60) { log().components(separatedBy: "worker ready").count - 1 == 2 }, "\(log())"
        )
        let keygate = try #require(Harness.children(of: strace.processIdentifier).first)
        #expect(try Curl.checkStatus(port: port, key: key.secret) == 204)
        let socket = try FastCGISocket(path: data + "/fastcgi.sock")
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", key.secret)])))
        #expect(try !socket.answers().isEmpty)
        let scrape = try Harness.run(
            "/usr/bin/curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(metricsPort)/metrics"])
        #expect(scrape.stdout.contains("keygate_"), "\(scrape.stderr)")
        kill(keygate, SIGHUP)
        #expect(Harness.eventually(timeout: 60) { log().components(separatedBy: "worker ready").count - 1 == 4 })
        #expect(try Curl.checkStatus(port: port, key: nil) == 401)
        kill(keygate, SIGTERM)
        #expect(Harness.eventually(timeout: 60) { !strace.isRunning }, "\(log())")

        let text = try String(contentsOfFile: trace, encoding: .utf8)
        var used = Set<String>()
        for line in text.split(separator: "\n") {
            // "PID name(args) = result", the pid padded with spaces to 5 columns; the first line is strace's own
            // execve of keygate.
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2 else { continue }
            let call = fields[1].drop { $0 == " " }
            guard let open = call.firstIndex(of: "(") else { continue }
            let name = call[..<open]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { used.insert(String(name)) }
        }
        #expect(
            used.isSuperset(of: ["epoll_wait", "accept4", "rt_sigtimedwait", "execve", "prctl"]),
            "\(used.sorted()) from: \(text.prefix(1_000))")
        #expect(used.subtracting(allowed).isEmpty, "outside the unit's filter: \(used.subtracting(allowed).sorted())")
    }

    /// MemoryDenyWriteExecute=yes: under the kernel's PR_SET_MDWE (what systemd applies, inherited across execve)
    /// keygate and its workers start and answer, so the Swift runtime never maps memory writable and executable.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/python3")))
    func keygateRunsWithMemoryDenyWriteExecute() throws {
        let db = self.scratch.file("keys.db")
        let key = try Harness.createKey(db: db)
        let port = Harness.freePort()
        let wrapper = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(65, 1, 0, 0, 0) != 0 or libc.prctl(66, 0, 0, 0, 0) != 1:  # PR_SET_MDWE, PR_GET_MDWE
                sys.stderr.write("PR_SET_MDWE unsupported\\n")
                sys.exit(77)
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let process = try Harness.launch(
            "/usr/bin/python3",
            [
                "-c", wrapper, Harness.keygate, "serve", "--db", db, "--listen", "http://127.0.0.1:\(port)",
                "--workers", "2",
            ], log: self.scratch.file("mdwe.log"))
        defer { Harness.stop(process) }
        let log = { (try? String(contentsOfFile: self.scratch.file("mdwe.log"), encoding: .utf8)) ?? "" }
        _ = Harness.eventually(timeout: 30) {
            !process.isRunning || log().components(separatedBy: "worker ready").count - 1 == 2
        }
        if !process.isRunning && process.terminationStatus == 77 {
            withKnownIssue("this kernel has no PR_SET_MDWE (Linux 6.3+)") { Issue.record(Comment(rawValue: log())) }
            return
        }
        #expect(log().components(separatedBy: "worker ready").count - 1 == 2, "\(log())")
        #expect(try Curl.checkStatus(port: port, key: key.secret) == 204)
        for worker in Harness.children(of: process.processIdentifier) {
            // No mapping of any keygate process is both writable and executable.
            let maps = (try? String(contentsOfFile: "/proc/\(worker)/maps", encoding: .utf8)) ?? ""
            #expect(
                !maps.split(separator: "\n").contains {
                    $0.split(separator: " ").dropFirst().first?.hasPrefix("rwx") == true
                })
        }
    }
}
