import Foundation
import Glibc
import KeygateStore
import Testing

/// The admin listener of a real `keygate serve`: its own supervised process, answering every documented operation as
/// documented, managing the keys the gate then serves, and never in the way of a decision.
@Suite struct AdminServerTests {
    /// A `keygate serve` with an HTTP request listener and an admin listener, and an admin key holding `*`.
    struct Host {
        let scratch: Scratch
        let database: String
        let server: KeygateServer
        let gatePort: UInt16
        let adminPort: UInt16
        let adminSecret: String

        init(extra: [String] = []) throws {
            let scratch = try Scratch()
            self.scratch = scratch
            self.database = scratch.file("keys.db")
            _ = try Harness.keygate(["migrate", "--db", self.database])
            let made = try Harness.keygate([
                "admin-keys", "create", "--db", self.database, "--name", "ops", "--grant", "*", "--json",
            ])
            let fields = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
            self.adminSecret = try #require(fields?["secret"] as? String)
            self.gatePort = Harness.freePort()
            self.adminPort = Harness.freePort()
            self.server = try KeygateServer(
                db: self.database, scratch: scratch,
                extra: [
                    "--listen", "http://127.0.0.1:\(self.gatePort)", "--admin-listen",
                    "http://127.0.0.1:\(self.adminPort)",
                ] + extra)
            let port = self.adminPort
            guard Harness.eventually(timeout: 15, { (try? Admin.send(port, "GET", "/openapi.json"))?.status == 200 })
            else { throw HarnessError("the admin listener did not answer: \(self.server.log)") }
        }

        func admin(_ method: String, _ path: String, _ body: String? = nil, headers: [String: String] = [:]) throws
            -> HTTPResponse
        {
            try Admin.send(
                self.adminPort, method, path, body: body,
                headers: ["Authorization": "Bearer \(self.adminSecret)"].merging(
                    headers, uniquingKeysWith: { $1 }), scratch: self.scratch)
        }

        /// The admin server's pid (the child started with `--admin-server`).
        var adminPID: pid_t? {
            Harness.children(of: self.server.pid).first { pid in
                let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                return cmdline.contains("--admin-server")
            }
        }
    }

    /// curl as the admin API's client.
    enum Admin {
        static func send(
            _ port: UInt16, _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:],
            scratch: Scratch? = nil
        ) throws -> HTTPResponse {
            var arguments = ["-sS", "-i", "--max-time", "10", "-X", method]
            for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
            if let body, let scratch {
                let file = scratch.file("body-\(UUID().uuidString).json")
                try body.write(toFile: file, atomically: true, encoding: .utf8)
                arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(file)"]
            }
            arguments.append("http://127.0.0.1:\(port)\(path)")
            let result = try Harness.run("/usr/bin/curl", arguments)
            guard result.status == 0 else { throw HarnessError("curl \(method) \(path): \(result.stderr)") }
            return try Curl.parse(result.stdout)
        }
    }

    static func object(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test func keysMadeAndRevokedThroughTheAdminAPIAreWhatTheGateServes() throws {
        let host = try Host()
        let created = try host.admin("POST", "/v1/keys", #"{"name":"customer 1","scopes":["read"],"limits":["50/s"]}"#)
        #expect(created.status == 201, "\(created.body)")
        let fields = Self.object(created)
        let id = try #require(fields["id"] as? String)
        let secret = try #require(fields["key"] as? String)
        let gate = try ForwardAuthClient(port: host.gatePort)
        #expect(Harness.eventually(timeout: 5) { gate.check(secret).status == 204 })
        #expect(try host.admin("POST", "/v1/keys/\(id)/revoke").status == 200)
        let revoked = monotonicNanos()
        #expect(Harness.eventually(timeout: 5) { gate.check(secret).status == 401 })
        print(
            "a key revoked through the admin API was refused by the gate \((monotonicNanos() - revoked) / 1_000_000) ms later"
        )
        // The CLI sees what the API did, and the audit log names the admin key.
        let audit = try Harness.keygate(["audit", "--db", host.database, "--key", id])
        #expect(audit.stdout.contains("admin:adm_"), "\(audit.stdout)")
        #expect(!host.server.log.contains(secret) && !host.server.log.contains(host.adminSecret))
    }

    @Test func everyDocumentedOperationAnswersAsDocumented() throws {
        let host = try Host(extra: ["--metrics-listen", "http://127.0.0.1:\(Harness.freePort())"])
        let document = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try Admin.send(host.adminPort, "GET", "/openapi.json").body.utf8))
                as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let key = Self.object(try host.admin("POST", "/v1/keys", #"{"name":"documented"}"#))
        let keyID = try #require(key["id"] as? String)
        let spare = Self.object(try host.admin("POST", "/v1/admin-keys", #"{"name":"spare","grants":["keys:read"]}"#))
        let adminID = try #require(spare["id"] as? String)
        let bodies = [
            "POST /v1/keys": #"{"name":"made by the walk"}"#, "PATCH /v1/keys/{id}": #"{"owner":"walk"}"#,
            "POST /v1/admin-keys": #"{"name":"walk","grants":["usage:read"]}"#, "POST /v1/keys/{id}/rotate": "{}",
            "POST /v1/keys/verify": #"{"key":"kg_none"}"#, "POST /v1/plans": #"{"name":"walked","limits":["5/s"]}"#,
            "PATCH /v1/plans/{name}": #"{"quotas":["100/day"]}"#,
        ]
        // Revoking and deleting come last, so that every other operation finds the key as it was made.
        var operations: [(path: String, method: String, responses: [String])] = []
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let responses = (operation["responses"] as? [String: Any])?.keys.map { $0 } ?? []
                operations.append((path, method.uppercased(), responses))
            }
        }
        func rank(_ operation: (path: String, method: String, responses: [String])) -> Int {
            operation.method == "DELETE" ? 2 : operation.path.hasSuffix("/revoke") ? 1 : 0
        }
        operations.sort { (rank($0), $0.path) < (rank($1), $1.path) }
        #expect(operations.count == 23)
        for operation in operations {
            let concrete = operation.path.replacing(
                "{id}", with: operation.path.hasPrefix("/v1/admin-keys") ? adminID : keyID
            ).replacing("{name}", with: "walked")
            let answer = try host.admin(operation.method, concrete, bodies["\(operation.method) \(operation.path)"])
            #expect(
                operation.responses.contains("\(answer.status)") && answer.status < 300,
                "\(operation.method) \(concrete) answered \(answer.status), documented \(operation.responses): \(answer.body)"
            )
            if answer.status >= 400 {
                #expect(answer.header("Content-Type") == "application/problem+json")
            }
        }
        // Nothing undocumented is served.
        for (method, path) in [
            ("GET", "/index.html"), ("GET", "/v1"), ("GET", "/v1/keys/\(keyID)/secret"), ("PUT", "/v1/keys"),
        ] {
            let answer = try host.admin(method, path)
            #expect([404, 405].contains(answer.status), "\(method) \(path) answered \(answer.status)")
        }
    }

    @Test func verifyDecidesAsTheGateAndSpendsTheSameLimits() throws {
        let host = try Host()
        let made = Self.object(
            try host.admin("POST", "/v1/keys", #"{"name":"app","scopes":["reports"],"limits":["3/min"]}"#))
        let secret = try #require(made["key"] as? String)
        func verify(_ body: String) throws -> [String: Any] {
            let answer = try host.admin("POST", "/v1/keys/verify", body)
            #expect(answer.status == 200, "\(answer.body)")
            return Self.object(answer)
        }
        let first = try verify(#"{"key":"\#(secret)","scopes":["reports"]}"#)
        #expect(first["valid"] as? Bool == true && first["outcome"] as? String == "allow")
        #expect(first["status"] as? Int == 200)
        #expect(first["key_id"] as? String == made["id"] as? String)
        let headers = first["headers"] as? [String: String] ?? [:]
        #expect(headers.keys.contains { $0.lowercased().hasPrefix("ratelimit") }, "\(headers)")
        #expect(try verify(#"{"key":"\#(secret)","scopes":["admin"]}"#)["outcome"] as? String != "allow")
        #expect(try verify(#"{"key":"\#(secret)","scopes":["reports"],"cost":2}"#)["valid"] as? Bool == true)
        // Three spent through the API: the gate, sharing the counters, has none left for the key.
        let gate = try ForwardAuthClient(port: host.gatePort)
        #expect(gate.check(secret).status != 204)
        let limited = try verify(#"{"key":"\#(secret)","scopes":["reports"]}"#)
        #expect(limited["outcome"] as? String == "rate_limited" && limited["status"] as? Int == 429, "\(limited)")
        #expect(try verify(#"{"key":"kg_garbage"}"#)["valid"] as? Bool == false)
        #expect(try host.admin("POST", "/v1/keys/verify", #"{"key":"x","cost":0}"#).status == 400)
        #expect(try host.admin("POST", "/v1/keys/verify", #"{"key":"x","ip":"nowhere"}"#).status == 400)
        #expect(!host.server.log.contains(secret))
    }

    @Test func oversizeOrBrokenBodiesAreProblemsAndTheServerGoesOn() throws {
        let host = try Host()
        let big = #"{"name":"x","metadata":{"blob":""# + String(repeating: "a", count: 70_000) + #""}}"#
        let tooBig = try host.admin("POST", "/v1/keys", big)
        #expect(tooBig.status == 413, "\(tooBig.body)")
        #expect(tooBig.header("Content-Type") == "application/problem+json")
        #expect(try host.admin("POST", "/v1/keys", #"{"name":"#).status == 400)
        #expect(try host.admin("POST", "/v1/keys", "\u{0}\u{1}garbage").status == 400)
        let listed = Self.object(try host.admin("GET", "/v1/keys"))["keys"] as? [Any]
        #expect(listed?.isEmpty == true, "nothing was written")
        #expect(try host.admin("POST", "/v1/keys", #"{"name":"after"}"#).status == 201)
    }

    @Test func theAdminServerIsRestartedAndNeverHoldsUpADecision() throws {
        let host = try Host()
        let secret = try #require(
            Self.object(try host.admin("POST", "/v1/keys", #"{"name":"busy"}"#))["key"] as? String)
        let gate = try ForwardAuthClient(port: host.gatePort)
        #expect(Harness.eventually(timeout: 5) { gate.check(secret).status == 204 })
        // Stopped (a debugger, a stall): decisions go on at full speed.
        let first = try #require(host.adminPID)
        kill(first, SIGSTOP)
        var slowest: Int64 = 0
        for _ in 0..<200 {
            let answer = gate.check(secret)
            #expect(answer.status == 204)  // the HTTP listener's nginx profile allows with 204
            slowest = max(slowest, answer.micros)
        }
        kill(first, SIGCONT)
        print("200 decisions while the admin server was stopped: slowest \(slowest) µs")
        // Killed: the supervisor starts another, which answers.
        kill(first, SIGKILL)
        #expect(
            Harness.eventually(timeout: 15) {
                guard let next = host.adminPID, next != first else { return false }
                return (try? host.admin("GET", "/v1/plans"))?.status == 200
            }, "\(host.server.log)")
        #expect(gate.check(secret).status == 204)
    }

    /// The admin server runs `--admin-nice` steps (10 unless told) below the workers' CPU priority, every thread of it,
    /// so that on a machine short of CPU the scheduler runs decisions first; 0 keeps it level; 20 fails the start.
    @Test func theAdminServerRunsBelowTheWorkersPriority() throws {
        /// The nice value of every thread of `pid` (field 19 of each `/proc/PID/task/TID/stat`).
        func niceValues(_ pid: pid_t) throws -> [Int] {
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
            return try tasks.map { task in
                let stat = try String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8)
                let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
                return try #require(Int(fields[16]))
            }
        }
        let own = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        for (extra, expected) in [([String](), 10), (["--admin-nice", "3"], 3), (["--admin-nice", "0"], 0)] {
            let host = try Host(extra: extra)
            let admin = try #require(host.adminPID)
            // Within a second or so of the start: the pool threads libdispatch set to values of its own included.
            var threads: [Int] = []
            let held = Harness.eventually(timeout: 5) {
                threads = (try? niceValues(admin)) ?? []
                return threads.count > 1 && threads.allSatisfy { $0 == min(own + expected, 19) }
            }
            #expect(held, "\(extra): \(threads)")
            let workers = Harness.children(of: host.server.pid).filter { $0 != admin }
            #expect(!workers.isEmpty)
            for worker in workers { #expect(try niceValues(worker).allSatisfy { $0 == own }) }
        }
        let scratch = try Scratch()
        let database = scratch.file("keys.db")
        _ = try Harness.keygate(["migrate", "--db", database])
        let refused = try Harness.keygate([
            "serve", "--db", database, "--listen", "unix:\(scratch.file("k.sock"))", "--admin-listen",
            "http://127.0.0.1:\(Harness.freePort())", "--admin-nice", "20",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--admin-nice 20"), "\(refused.stderr)")
    }

    /// A key's limits as they stand, read from the counters the workers write: what the gate spent shows, and
    /// reading spends nothing.
    @Test func aKeysLimitsAreReadAsTheGateLeftThem() throws {
        let host = try Host()
        let made = Self.object(
            try host.admin("POST", "/v1/keys", #"{"name":"metered","limits":["3/min"],"quotas":["10/day"]}"#))
        let secret = try #require(made["key"] as? String)
        let id = try #require(made["id"] as? String)
        func state() throws -> [[String: Any]] {
            let answer = try host.admin("GET", "/v1/keys/\(id)/limits")
            #expect(answer.status == 200, "\(answer.body)")
            return Self.object(answer)["limits"] as? [[String: Any]] ?? []
        }
        let fresh = try state()
        #expect(fresh.map { $0["kind"] as? String } == ["rate", "quota"])
        #expect(fresh.map { $0["remaining"] as? Int } == [3, 10])
        #expect(fresh.map { $0["limit"] as? Int } == [3, 10])
        let gate = try ForwardAuthClient(port: host.gatePort)
        #expect(Harness.eventually(timeout: 5) { gate.check(secret).status == 204 })
        #expect(gate.check(secret).status == 204)
        let spent = try state()
        #expect(spent.map { $0["remaining"] as? Int } == [1, 8], "\(spent)")
        #expect(try state().map { $0["remaining"] as? Int } == [1, 8], "reading spends nothing")
        #expect((spent.last?["reset_seconds"] as? Int ?? 0) > 0 && (spent.last?["window_seconds"] as? Int) == 86_400)
        #expect(try host.admin("GET", "/v1/keys/kid_doesnotexist0000/limits").status == 404)
    }

    /// Verify decides through the admin server's own gate: its decisions are counted in `/metrics` with the
    /// workers', in a metrics slot of its own.
    @Test func verifyDecisionsAreCountedInTheMetrics() throws {
        let metricsPort = Harness.freePort()
        let host = try Host(extra: ["--metrics-listen", "http://127.0.0.1:\(metricsPort)"])
        func count(_ sample: String) -> Int? {
            guard
                let text = try? Curl.get("http://127.0.0.1:\(metricsPort)/metrics").body,
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix(sample + " ") })
            else { return nil }
            return Int(line.split(separator: " ").last ?? "")
        }
        let allowed = #"keygate_decisions_total{outcome="allow",reason="allow"}"#
        #expect(Harness.eventually(timeout: 10) { count(allowed) == 0 })
        let secret = try #require(
            Self.object(try host.admin("POST", "/v1/keys", #"{"name":"counted"}"#))["key"] as? String)
        for _ in 0..<3 {
            #expect(try host.admin("POST", "/v1/keys/verify", #"{"key":"\#(secret)"}"#).status == 200)
        }
        let stranger = "kg_0000000000000000000000000000000000AAAAAA"  // in no database
        let refused = Self.object(try host.admin("POST", "/v1/keys/verify", #"{"key":"\#(stranger)"}"#))
        let reason = try #require(refused["outcome"] as? String)
        #expect(reason != "allow")
        let unknown = "keygate_decisions_total{outcome=\"deny\",reason=\"\(reason)\"}"
        #expect(
            Harness.eventually(timeout: 5) { count(allowed) == 3 && count(unknown) == 1 },
            "allowed \(String(describing: count(allowed))), unknown \(String(describing: count(unknown)))")
        // And the gate's own decisions on top.
        let gate = try ForwardAuthClient(port: host.gatePort)
        #expect(gate.check(secret).status == 204)
        #expect(Harness.eventually(timeout: 5) { count(allowed) == 4 })
    }

    @Test func theConsoleInARealBrowser() throws {
        let host = try Host(extra: ["--metrics-listen", "http://127.0.0.1:\(Harness.freePort())"])
        // Decisions for the overview: some allowed, some for a key that does not exist.
        let gate = try ForwardAuthClient(port: host.gatePort)
        let allowed = try #require(
            Self.object(try host.admin("POST", "/v1/keys", #"{"name":"traffic"}"#))["key"] as? String)
        #expect(Harness.eventually(timeout: 5) { gate.check(allowed).status == 204 })
        for _ in 0..<20 { _ = gate.check(allowed) }
        for _ in 0..<7 { _ = gate.check("kg_0000000000000000000000000000000000AAAAAA") }
        #expect(try host.admin("POST", "/v1/keys", #"{"name":"<img src=x onerror=alert(1)>"}"#).status == 201)
        // A key with 30 days of traffic, for the chart.
        let busy = Self.object(
            try host.admin(
                "POST", "/v1/keys",
                #"{"name":"acme prod","owner":"acme","limits":["100/s"],"quotas":["1000000/month"]}"#))
        let busyID = try #require(busy["id"] as? String)
        let now = Int64(Date().timeIntervalSince1970)
        try KeyStore(path: host.database, create: false).addUsage(
            (Int64(0)..<30).map { back in
                let day = String(
                    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now - back * 86_400)))
                        .prefix(10))
                return (keyID: busyID, day: day, admitted: 4_000 + (back * 937) % 3_000, rejected: (back * 211) % 400)
            })
        let keyFile = host.scratch.file("admin-key")
        FileManager.default.createFile(
            atPath: keyFile, contents: Data(host.adminSecret.utf8), attributes: [.posixPermissions: 0o600])
        let shots = Harness.repository + "/.build/artefacts/console"
        let run = try Harness.run(
            "/usr/bin/python3",
            [
                Harness.repository + "/Tests/browser/console.py", "http://127.0.0.1:\(host.adminPort)", keyFile, shots,
                busyID,
            ],
            timeout: 180)
        let seen = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        #expect((seen["failures"] as? [String])?.isEmpty == true, "\(seen["failures"] ?? "")")
        #expect((seen["exceptions"] as? [String])?.isEmpty == true, "\(seen["exceptions"] ?? "")")
        #expect((seen["csp_violations"] as? [String])?.isEmpty == true, "\(seen["csp_violations"] ?? "")")
        #expect((seen["listed"] as? Int ?? 0) >= 1)
        #expect(seen["hostile_name_shown_as_text"] as? Bool == true)
        #expect(seen["key_in_url"] as? Bool == false && seen["key_in_cookie"] as? Bool == false)
        #expect(seen["key_in_session_storage"] as? Bool == true)
        let secret = try #require(seen["secret"] as? String)
        #expect(secret.hasPrefix("kg_"))
        #expect(seen["copy_button"] as? Bool == true)
        #expect(seen["secret_gone_after_stored"] as? Bool == true)
        #expect(seen["secret_on_key_page"] as? Bool == false)
        #expect(seen["chart_days"] as? Int == 30)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(seen["chart_last_day"] as? String == today)
        #expect((seen["audit_rows"] as? Int ?? 0) >= 1)
        #expect(seen["revoked_shown"] as? Bool == true)
        #expect(seen["narrow_overflow"] as? Bool == false)
        #expect(seen["usage_bars"] as? Int == 30, "one admitted bar per day with traffic")
        // The key's limits as they stand: its 100/s and its 1000000/month, nothing spent yet.
        let state = seen["limit_state"] as? [[String]] ?? []
        #expect(state.count == 2 && state.allSatisfy { $0.count == 4 }, "\(state)")
        #expect(state.first?[0].hasPrefix("100-per") == true && state.first?[2] == "100", "\(state)")
        #expect((state.first.flatMap { Int($0[1]) } ?? 0) > 0, "\(state)")
        #expect(state.last?[1] == "1000000" && state.last?[2] == "1000000", "\(state)")
        let reached = seen["tab_reached"] as? [String] ?? []
        #expect(reached.contains("search") && reached.contains("Overview"), "Tab reached \(reached)")
        #expect((seen["overview_rate"] as? String)?.contains("decisions per second") == true)
        #expect((seen["overview_reasons"] as? [String])?.isEmpty == false, "\(seen["overview_reasons"] ?? "")")
        // The key made in the browser and revoked there is refused by the gate.
        #expect(Harness.eventually(timeout: 5) { gate.check(secret).status == 401 })
        for name in [
            "01-sign-in", "02-keys", "03-created", "04-key", "05-revoked", "06-narrow", "07-usage", "08-overview",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(shots)/\(name).png"))
        }
        #expect(!host.server.log.contains(secret) && !host.server.log.contains(host.adminSecret))
    }

    @Test func aBadAdminListenerFailsTheStart() throws {
        let scratch = try Scratch()
        let database = scratch.file("keys.db")
        _ = try Harness.keygate(["migrate", "--db", database])
        let busy = try RawListener()
        for (address, says) in [
            ("http://192.0.2.1:9102", "loopback"), ("unix:\(scratch.file("a.sock"))", "http"),
            ("http://127.0.0.1:\(busy.port)", "--admin-listen"),
        ] {
            let result = try Harness.keygate([
                "serve", "--db", database, "--listen", "unix:\(scratch.file("k.sock"))", "--admin-listen", address,
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("--admin-listen") && result.stderr.contains(says), "\(result.stderr)")
        }
    }
}

/// A TCP port held open by the test, so that binding it fails.
final class RawListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw HarnessError("cannot hold a port")
        }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(self.fd) }
}
