import Foundation
import Glibc
import KeygateCore
import Testing

/// The real keygate binary run as a plain CGI program: no arguments, `GATEWAY_INTERFACE` set and a regular file on
/// descriptor 0, answering the one request in its environment.
@Suite(.serialized)
final class CGITests {
    let scratch: Scratch
    let db: String

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        _ = try Harness.createKey(db: self.db)
    }

    /// The CGI meta-variables lighttpd or Apache would set for a GET of `uri`, plus `extra`.
    func environment(uri: String = "/api/x", _ extra: [String: String] = [:]) -> [String: String] {
        [
            "GATEWAY_INTERFACE": "CGI/1.1", "KEYGATE_DB": self.db, "REQUEST_METHOD": "GET", "REQUEST_URI": uri,
            "QUERY_STRING": "", "SCRIPT_NAME": "/keygate-check", "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        ].merging(extra) { $1 }
    }

    /// Runs the binary with no arguments in `environment`; its stdout is parsed as a CGI answer.
    func run(_ environment: [String: String]) throws -> (result: CommandResult, answer: CGIResponse?) {
        let result = try Harness.run(Harness.keygate, [], environment: environment, timeout: 10)
        return (result, CGIResponse(parsing: Array(result.stdout.utf8)))
    }

    @Test func allowsWithTheIdentityHeadersOfTheFastCGIResponderAnswerByteForByte() throws {
        let key = try Harness.createKey(db: self.db, ["--owner", "team-a", "--scope", "reports:read"])
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        for headers in [[("HTTP_AUTHORIZATION", "Bearer \(key.secret)")], [], [("HTTP_X_API_KEY", "kg_guess")]] {
            let cgi = try self.run(self.environment(Dictionary(uniqueKeysWithValues: headers)))
            #expect(cgi.result.status == 0, "\(cgi.result.stderr)")
            // The same mapping and the same answer bytes as keygate's FastCGI RESPONDER gives for these params.
            let socket = try FastCGISocket(path: server.socketPath)
            socket.send(FastCGISocket.request(FastCGISocket.nginxParams(uri: "/api/x", headers: headers)))
            guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
                Issue.record("no FastCGI answer")
                continue
            }
            #expect(Array(cgi.result.stdout.utf8) == stdout)
        }
        let allowed = try #require(
            try self.run(self.environment(["HTTP_AUTHORIZATION": "Bearer \(key.secret)"])).answer)
        #expect(allowed.status == 204)
        #expect(allowed.header("Status") == "204")
        #expect(allowed.header("X-Keygate-Key-Id") == key.id)
        #expect(allowed.header("X-Keygate-Key-Name") == "test key")
        #expect(allowed.header("X-Keygate-Owner") == "team-a")
        #expect(allowed.header("X-Keygate-Scopes") == "reports:read")
    }

    @Test func missingAndMalformedKeysAre401WithTheChallengeAndProblem() throws {
        let missing = try self.run(self.environment())
        #expect(missing.result.status == 0)
        let answer = try #require(missing.answer)
        #expect(answer.status == 401)
        #expect(answer.header("Status") == "401")
        #expect(answer.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(answer.header("Content-Type") == "application/problem+json")
        #expect(String(decoding: answer.body, as: UTF8.self).contains("\"type\":\"urn:keygate:problem:missing\""))

        let malformed = try #require(try self.run(self.environment(["HTTP_X_API_KEY": "kg_guess"])).answer)
        #expect(malformed.status == 401)
        #expect(malformed.header("X-Keygate-Reason") == "malformed")
        #expect(malformed.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
    }

    @Test func scopeAndCostComeFromTheSameVariablesAsUnderFastCGI() throws {
        let key = try Harness.createKey(db: self.db, ["--credits", "5"])
        let unscoped = try #require(
            try self.run(self.environment(["HTTP_X_API_KEY": key.secret, "KEYGATE_SCOPE": "reports:read"])).answer)
        #expect(unscoped.status == 403)
        #expect(unscoped.header("X-Keygate-Reason") == "insufficient_scope")
        let spent = try #require(
            try self.run(self.environment(["HTTP_X_API_KEY": key.secret, "KEYGATE_COST": "4"])).answer)
        #expect(spent.status == 204)
        let broke = try #require(
            try self.run(self.environment(["HTTP_X_API_KEY": key.secret, "KEYGATE_COST": "4"])).answer)
        #expect(broke.status == 429)
        #expect(broke.header("RateLimit")?.contains("\"credits\";r=1") == true)
    }

    @Test func limitsAreCountedAcrossRunsAndSharedWithARunningServe() throws {
        let key = try Harness.createKey(db: self.db, ["--limit", "3/min"])
        let environment = self.environment(["HTTP_AUTHORIZATION": "Bearer \(key.secret)"])
        for run in 1...2 {
            let answer = try #require(try self.run(environment).answer)
            #expect(answer.status == 204, "run \(run)")
            #expect(answer.header("RateLimit")?.hasPrefix("\"3-per-min\";r=\(3 - run);") == true, "run \(run)")
        }
        // The third request of the minute goes through `keygate serve`, over the same counters file.
        let server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        defer { server.stop() }
        #expect(try server.ask([("HTTP_AUTHORIZATION", "Bearer \(key.secret)")]).status == 204)
        for _ in 0..<2 {
            let limited = try self.run(environment)
            #expect(limited.result.status == 0)
            let answer = try #require(limited.answer)
            #expect(answer.status == 429)
            #expect(answer.header("Status") == "429")
            #expect(Int(answer.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(answer.header("X-Keygate-Reason") == "rate_limited")
        }
        #expect(try server.ask([("HTTP_AUTHORIZATION", "Bearer \(key.secret)")]).status == 429)
    }

    @Test func oversizedHeaderValues() throws {
        // Long but within --max-params-bytes: decided, a malformed key.
        let long = "Bearer kg_" + String(repeating: "A", count: 10_000)
        let malformed = try self.run(self.environment(["HTTP_AUTHORIZATION": long]))
        #expect(malformed.answer?.status == 401)
        #expect(malformed.answer?.header("X-Keygate-Reason") == "malformed")
        // Over it: refused as an oversized FastCGI PARAMS stream is, with no answer (the server sends 500).
        let huge = "Bearer kg_" + String(repeating: "B", count: 70_000)
        let refused = try self.run(self.environment(["HTTP_AUTHORIZATION": huge]))
        #expect(refused.result.status == 1)
        #expect(refused.result.stdout.isEmpty)
        #expect(refused.result.stderr.contains("--max-params-bytes"), "\(refused.result.stderr)")
        #expect(!refused.result.stderr.contains("BBBBBBBBBBBBBBBBBBBB"))
    }

    @Test func configurationErrorsExit78WithOneClearLine() throws {
        var environment = self.environment()
        environment["KEYGATE_DB"] = nil
        let noDatabase = try self.run(environment)
        #expect(noDatabase.result.status == 78)
        #expect(noDatabase.result.stdout.isEmpty)
        #expect(noDatabase.result.stderr.contains("set KEYGATE_DB"), "\(noDatabase.result.stderr)")

        let config = self.scratch.file("keygate.conf")
        try "log-level = debug\nworkerz = 3\n".write(toFile: config, atomically: true, encoding: .utf8)
        let badConfig = try self.run(self.environment(["KEYGATE_CONFIG": config]))
        #expect(badConfig.result.status == 78)
        #expect(badConfig.result.stderr.contains("\(config):2:"), "\(badConfig.result.stderr)")

        let absent = try self.run(self.environment(["KEYGATE_DB": self.scratch.file("absent/keys.db")]))
        #expect(absent.result.status == 78)
        #expect(absent.result.stderr.contains("absent/keys.db"), "\(absent.result.stderr)")
    }

    @Test func withoutGatewayInterfaceItIsTheCommandLine() throws {
        var environment = self.environment()
        environment["GATEWAY_INTERFACE"] = nil
        let result = try Harness.run(Harness.keygate, [], environment: environment, timeout: 10)
        #expect(!result.stdout.contains("Status:"))
        #expect((result.stdout + result.stderr).contains("USAGE"))
    }
}
