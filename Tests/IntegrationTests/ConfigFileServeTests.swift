import Foundation
import Glibc
import KeygateCore
import KeygateTesting
import Testing

/// `keygate serve --config FILE` with everything in the file, `db` and `listen` included: each option has its effect,
/// and a wrong name or value fails at startup naming the line.
@Suite(.serialized)
final class ConfigFileServeTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db, ["--owner", "team-a"])
    }

    /// One server whose file sets every serve option that belongs in a file; each check below observes one of them.
    @Test func everyOptionWorksFromTheFile() throws {
        let socket = self.scratch.file("fcgi.sock")
        let port = Harness.freePort()
        let counters = self.scratch.file("custom.counters")
        // A counters file of another layout: refused unless rebuild-state (set in the file) recreates it.
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: counters))
        let config = self.scratch.file("keygate.conf")
        try """
        # everything from the file
        db = \(self.db)
        listen = unix:\(socket)
        listen = http://127.0.0.1:\(port)
        socket-mode = 0600
        workers = 2
        state = \(self.scratch.file("custom.state"))
        state-capacity = 100
        counters = \(counters)
        counters-capacity = 50
        ip-limit = 2/min
        global-ip-limit = 5/min
        ip-table-size = 1000
        trust-proxy = 10.9.9.9
        key-query-param = api_key
        realm = "from-file"
        no-identity-headers = true
        max-connections = 100
        max-params-bytes = 2048
        idle-timeout = 1s
        request-timeout = 1s
        drain-timeout = 3s
        allow-non-loopback = false
        log-level = debug
        rebuild-state = yes

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try KeygateServer(
            arguments: ["--config", config], socketPath: socket, scratch: self.scratch, workers: 2)
        defer { server.stop() }
        let bearer = ("HTTP_AUTHORIZATION", "Bearer \(self.key.secret)")

        // db, listen (FastCGI), no-identity-headers
        let allowed = try server.ask([bearer])
        #expect(allowed.status == 204)
        #expect(allowed.header("X-Keygate-Key-Id") == nil)
        // listen (HTTP)
        let http = try RawSocket(port: port)
        http.send(
            Array("GET /_keygate HTTP/1.1\r\nHost: k\r\nX-Original-URI: /x\r\nX-Forwarded-For: 10.0.0.9\r\n\r\n".utf8))
        let httpAnswer = String(
            decoding: http.receive { $0.count >= 4 && $0.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) },
            as: UTF8.self)
        #expect(httpAnswer.hasPrefix("HTTP/1.1 401"))
        // realm
        #expect(httpAnswer.contains("realm=\"from-file\""))
        // idle-timeout = 1s: the kept-alive connection is closed (the default would keep it 75 s)
        #expect(http.isClosedByPeer(timeout: 4))
        // request-timeout = 1s: a partial head is cut off
        let slow = try RawSocket(port: port)
        slow.send(Array("GET /_keygate HTTP/1.1\r\n".utf8))
        #expect(slow.isClosedByPeer(timeout: 4))
        // socket-mode
        var status = stat()
        #expect(stat(socket, &status) == 0 && status.st_mode & 0o777 == 0o600)
        // workers
        #expect(server.workers.count == 2)
        // state, state-capacity
        #expect(Self.size(self.scratch.file("custom.state")) == 64 + 100 * 8)
        // counters, counters-capacity, rebuild-state
        #expect(Self.size(counters) == 64 + 50 * 128)
        // ip-table-size (and that an IP limit is configured at all)
        #expect(Self.size(self.db + ".ipcounters") == 64 + 1000 * 64)
        // The per-IP checks go over HTTP, where the client address comes from X-Forwarded-For (a limit denial is 403).
        func httpStatus(_ address: String, key: String? = nil, uri: String = "/x") throws -> Int? {
            let socket = try RawSocket(port: port)
            let head =
                "GET /_keygate HTTP/1.1\r\nHost: k\r\nX-Original-URI: \(uri)\r\nX-Forwarded-For: \(address)\r\n"
                + (key.map { "X-Api-Key: \($0)\r\n" } ?? "") + "\r\n"
            socket.send(Array(head.utf8))
            let answer = String(
                decoding: socket.receive { $0.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) }, as: UTF8.self)
            return Int(answer.dropFirst("HTTP/1.1 ".count).prefix(3))
        }
        // ip-limit = 2/min: the third keyless request from one address is limited
        let keyless = try (0..<3).map { _ in try httpStatus("10.0.0.2") }
        #expect(keyless == [401, 401, 403])
        // global-ip-limit = 5/min: also requests with a valid key
        let keyed = try (0..<6).map { _ in try httpStatus("10.0.0.1", key: self.key.secret) }
        #expect(keyed == [204, 204, 204, 204, 204, 403])
        // trust-proxy: behind 10.9.9.9 the client is the address left of it, so 10.0.0.4 is not charged for 10.0.0.3
        let behindProxy = try (0..<3).map { _ in try httpStatus("10.0.0.3, 10.9.9.9") }
        #expect(behindProxy == [401, 401, 403])
        #expect(try httpStatus("10.0.0.4, 10.9.9.9") == 401)
        // key-query-param
        #expect(try httpStatus("10.0.0.5", uri: "/x?api_key=\(self.key.secret)") == 204)
        // max-params-bytes = 2048: a larger PARAMS stream is refused (the default takes 64 KiB)
        let big = try FastCGISocket(path: socket)
        big.send(
            FastCGISocket.request(
                FastCGISocket.nginxParams(headers: [bearer, ("HTTP_X_PAD", String(repeating: "p", count: 3000))])))
        let bigAnswers = try big.answers()
        #expect(
            !bigAnswers.contains { answer in
                guard case .response(_, let stdout, _, _, _) = answer else { return false }
                return CGIResponse(parsing: stdout)?.status == 204
            })
        // log-level = debug: denials are logged
        #expect(server.log.contains("denied"))
        // drain-timeout, max-connections: a stop finishes cleanly (their bad values are refused below)
        #expect(server.stop() == 0)
    }

    static func size(_ path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : -1
    }

    /// explain-only and workers = 0 from the file (both change what the process is): an ordinary request gets 404.
    @Test func explainOnlyFromTheFile() throws {
        let socket = self.scratch.file("explain.sock")
        let config = self.scratch.file("explain.conf")
        try "db = \(self.db)\nlisten = unix:\(socket)\nworkers = 0\nexplain-only = true\nsocket-mode = 0666\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try KeygateServer(
            arguments: ["--config", config], socketPath: socket, scratch: self.scratch, workers: 0)
        defer { server.stop() }
        #expect(try server.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 404)
        #expect(server.workers.isEmpty)
    }

    /// The command line overrides the file, name by name (a repeatable option included).
    @Test func commandLineOverridesTheFile() throws {
        let socket = self.scratch.file("cli.sock")
        let config = self.scratch.file("override.conf")
        try "db = \(self.db)\nlisten = unix:\(self.scratch.file("file.sock"))\nrealm = file\nworkers = 1\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let server = try KeygateServer(
            arguments: ["--config", config, "--listen", "unix:\(socket)", "--realm", "cli", "--socket-mode", "0666"],
            socketPath: socket, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        #expect(try server.ask([]).header("WWW-Authenticate")?.contains("realm=\"cli\"") == true)
        #expect(!FileManager.default.fileExists(atPath: self.scratch.file("file.sock")))
    }

    /// A wrong name or a bad value fails at startup with the file, the line and the option.
    @Test(arguments: [
        ("colour = blue", "colour"),
        ("workers = many", "workers"),
        ("workers = 100", "--workers"),
        ("max-connections = 0", "--max-connections"),
        ("max-params-bytes = 10", "--max-params-bytes"),
        ("drain-timeout = soon", "--drain-timeout"),
        ("idle-timeout = 5 parsecs", "--idle-timeout"),
        ("log-level = loud", "--log-level"),
        ("socket-mode = rw", "--socket-mode"),
        ("state-capacity = 0", "--state-capacity"),
        ("ip-limit = lots", "--ip-limit"),
        ("trust-proxy = somewhere", "--trust-proxy"),
        ("key-query-param = a=b", "--key-query-param"),
        ("listen = 192.0.2.1:9000", "--listen"),
        ("allow-non-loopback = maybe", "allow-non-loopback"),
        ("db = /nonexistent/keys.db", "--db"),
        ("worker-fds = 3", "worker-fds"),
        ("just words", "expected `name = value`"),
    ])
    func badLinesFailAtStartupWithTheLine(line: String, mentions: String) throws {
        let config = self.scratch.file("bad.conf")
        let fine = line.hasPrefix("db =") ? "" : "db = \(self.db)\n"
        try "# line 1\n\(fine)listen = unix:\(self.scratch.file("never.sock"))\n\(line)\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let lineNumber = fine.isEmpty ? 3 : 4
        let result = try Harness.keygate(["serve", "--config", config], stdin: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(config):\(lineNumber):"), "\(result.stderr)")
        #expect(result.stderr.contains(mentions), "\(result.stderr)")
    }

    /// `keygate config check`: each bad line with its line number, in order, exit 78; serve refuses the same file with
    /// the first of those messages; a file whose lines are good but whose settings are not gets serve's message; a
    /// good file is ok.
    @Test func configCheckListsEveryProblemWithItsLine() throws {
        let config = self.scratch.file("check.conf")
        try """
        # keygate
        db = \(self.db)
        no-such-option = 1
        listen = unix:\(self.scratch.file("never.sock"))
        workers = many
        identity-headers = perhaps
        just words
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let checked = try Harness.keygate(["config", "check", config])
        #expect(checked.status == 78)
        let problems = checked.stderr.split(separator: "\n").map(String.init)
        #expect(
            problems.map { $0.split(separator: ":").dropFirst().first.map(String.init) ?? "" } == ["3", "5", "6", "7"])
        #expect(problems.allSatisfy { $0.hasPrefix(config + ":") }, "\(problems)")
        #expect(problems.count == 4 && problems[3].contains("expected `name = value`"))
        let served = try Harness.keygate(["serve", "--config", config], stdin: "")
        #expect(served.status != 0)
        #expect(served.stderr.contains(problems[0]), "\(served.stderr)")

        try "db = \(self.db)\nlog-level = loud\n".write(toFile: config, atomically: true, encoding: .utf8)
        let settings = try Harness.keygate(["config", "check", config])
        #expect(settings.status == 78)
        #expect(
            settings.stderr
                == "\(config):2: --log-level loud: use trace, debug, info, notice, warning, error or critical\n")
        let servedSettings = try Harness.keygate(["serve", "--config", config], stdin: "")
        #expect(servedSettings.stderr.contains(settings.stderr.dropLast()), "\(servedSettings.stderr)")

        try "db = \(self.db)\nlog-format = json\nlisten = unix:\(self.scratch.file("k.sock"))\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let good = try Harness.keygate(["config", "check", config])
        #expect(good.status == 0 && good.stdout == "\(config): ok\n", "\(good.stderr)")
        let missing = try Harness.keygate(["config", "check", self.scratch.file("absent.conf")])
        #expect(missing.status == 78 && missing.stderr.contains("absent.conf: cannot open it"))
    }
}
