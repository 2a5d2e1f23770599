import Foundation
import Glibc
import Testing

/// The shipped apache/ files with a real Apache 2.4: mod_fcgid spawning keygate as access checker (with the
/// ErrorDocument explain pass for true statuses), and mod_authnz_fcgi asking a running `keygate serve` over TCP.
@Suite(.serialized)
final class ApacheTests {
    let scratch: Scratch
    let apache: ApacheServer
    let authnz: KeygateServer?

    init() throws {
        self.scratch = try Scratch()
        self.apache = try ApacheServer(scratch: self.scratch)
        _ = try self.apache.createKey()  // creates the database as nobody
        // The mod_authnz_fcgi variant asks a long-running keygate on loopback TCP (run as root here: its own files).
        let authnzDB = self.scratch.file("authnz.db")
        _ = try Harness.createKey(db: authnzDB)
        self.authnz = try KeygateServer(
            db: authnzDB, scratch: self.scratch, workers: 1,
            extra: ["--listen", "127.0.0.1:\(self.apache.authnzPort)"],
            socketName: "authnz.sock")
        try self.apache.start()
    }

    deinit {
        self.apache.stop()
        self.authnz?.stop()
    }

    @Test func fcgidAllowsWithExactly200AndTheHandlerSeesTheKeyButTheClientNoVariables() throws {
        // A name, an owner and scopes, so keygate sends every identity variable the config must strip.
        let key = try self.apache.createKey(["--limit", "100/min", "--owner", "team-a", "--scope", "a:read"])
        for headers in [["X-Api-Key": key.secret], ["Authorization": "Bearer \(key.secret)"]] {
            let response = try Curl.get(self.apache.url("/api/index.txt"), headers: headers)
            #expect(response.status == 200, "\(self.apache.errorLog.suffix(1500))")
            #expect(response.body == "protected\n")
            #expect(response.header("X-Seen-Key-Id") == key.id)
            #expect(response.header("RateLimit-Policy") == "\"100-per-min\";q=100;w=60")
            #expect(!response.headers.contains { $0.0.lowercased().hasPrefix("variable-") }, "\(response.headers)")
            let identity = response.headers.filter { $0.1.contains("team-a") || $0.1.contains("a:read") }
            #expect(identity.isEmpty, "\(identity)")
        }
    }

    @Test func fcgidDenialsGetTheirTrueStatusesFromTheExplainPass() throws {
        let missing = try Curl.get(self.apache.url("/api/index.txt"))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(missing.body.contains("\"reason\":\"missing\""))
        #expect(
            try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": "kg_guess"]).header(
                "X-Keygate-Reason") == "malformed")

        let revoked = try self.apache.createKey()
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": revoked.secret]).status == 200)
        #expect(try self.apache.keygate(["keys", "revoke", "--db", self.apache.db, revoked.id]).status == 0)
        let refused = try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": revoked.secret])
        #expect(refused.status == 401)
        #expect(refused.header("X-Keygate-Reason") == "revoked")
        #expect(!refused.body.contains("protected"))

        let unscoped = try self.apache.createKey()
        let forbidden = try Curl.get(self.apache.url("/api/reports/index.txt"), headers: ["X-Api-Key": unscoped.secret])
        #expect(forbidden.status == 403)
        #expect(forbidden.header("X-Keygate-Reason") == "insufficient_scope")
        let scoped = try self.apache.createKey(["--scope", "reports:read"])
        #expect(
            try Curl.get(self.apache.url("/api/reports/index.txt"), headers: ["X-Api-Key": scoped.secret]).status == 200
        )
    }

    @Test func fcgidOverTheLimitIsATrue429ConsumingNothingMore() throws {
        let key = try self.apache.createKey(["--limit", "2/min", "--quota", "100/day"])
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret]).status == 200)
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret]).status == 200)
        for _ in 0..<3 {
            let limited = try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret])
            #expect(limited.status == 429)
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(
                limited.header("RateLimit")?.contains("\"100-per-day\";r=98") == true,
                "explain or denial consumed quota")
            #expect(limited.headers("X-Keygate-Reason") == ["rate_limited"], "headers doubled by the access-check pass")
            #expect(limited.body.contains("\"violated-policies\":[\"2-per-min\"]"))
            #expect(!limited.body.contains("protected"))
        }
    }

    @Test func perRouteCostFromSetEnvIfSpendsCredits() throws {
        let key = try self.apache.createKey(["--credits", "6"])
        #expect(
            try Curl.get(self.apache.url("/api/export/index.txt"), headers: ["X-Api-Key": key.secret]).status == 200)
        let broke = try Curl.get(self.apache.url("/api/export/index.txt"), headers: ["X-Api-Key": key.secret])
        #expect(broke.status == 429, "the shipped SetEnvIf KEYGATE_COST=5 did not reach keygate")
        #expect(broke.header("RateLimit")?.contains("\"credits\";r=1") == true)
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret]).status == 200)
    }

    @Test func theExplainHandlerCannotBeCalledDirectly() throws {
        let key = try self.apache.createKey(["--quota", "1/day"])
        let direct = try Curl.get(self.apache.url("/keygate-explain"), headers: ["X-Api-Key": key.secret])
        #expect(direct.status == 404)
        // ... and it consumed nothing: the one request of the day is still there.
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret]).status == 200)
        #expect(try Curl.get(self.apache.url("/api/index.txt"), headers: ["X-Api-Key": key.secret]).status == 429)
    }

    @Test func authnzFcgiRelaysKeygatesAnswers() throws {
        let db = self.scratch.file("authnz.db")
        let key = try Harness.createKey(db: db, ["--limit", "1/min"])
        let allowed = try Curl.get(
            self.apache.url("/authnz/index.txt"), headers: ["Authorization": "Bearer \(key.secret)"])
        #expect(allowed.status == 200)
        #expect(allowed.header("X-Seen-Key-Id") == key.id)
        #expect(!allowed.headers.contains { $0.0.lowercased().hasPrefix("variable-") })
        let limited = try Curl.get(self.apache.url("/authnz/index.txt"), headers: ["X-Api-Key": key.secret])
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "60")
        let missing = try Curl.get(self.apache.url("/authnz/index.txt"))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
    }

    @Test func shippedConfigsNeverFailOpen() throws {
        for file in ["keygate-fcgid.conf", "keygate-authnz-fcgi.conf"] {
            let text = try String(contentsOfFile: Harness.repository + "/apache/" + file, encoding: .utf8)
            let directives = text.split(separator: "\n").filter {
                !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#")
            }
            #expect(!directives.contains { $0.contains("Authoritative Off") }, "\(file)")
        }
    }
}
