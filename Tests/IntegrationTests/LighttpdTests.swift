import Foundation
import Glibc
import Testing

/// The shipped lighttpd/ files with a real lighttpd 1.4.69: mod_fastcgi asking a running `keygate serve` as its
/// FastCGI authorizer in front of CGI scripts, and mod_cgi running keygate itself as a plain CGI program.
@Suite(.serialized)
final class LighttpdTests {
    let scratch: Scratch
    let db: String
    let server: KeygateServer
    let lighttpd: LighttpdServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        _ = try Harness.createKey(db: self.db)
        // keygate first: lighttpd marks a backend it cannot reach as down for a while.
        self.server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 1)
        self.lighttpd = try LighttpdServer(scratch: self.scratch, socketPath: self.server.socketPath, db: self.db)
        try self.lighttpd.start()
    }

    deinit {
        self.lighttpd.stop()
        self.server.stop()
    }

    /// `name=value` lines of a CGI script's answer.
    func seen(_ response: HTTPResponse) -> [String: String] {
        var values: [String: String] = [:]
        for line in response.body.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    @Test func validKeyReachesTheBackendWithKeygatesIdentityAndTheClientSeesNone() throws {
        let key = try Harness.createKey(db: self.db, ["--owner", "team-a", "--scope", "reports:read"])
        for headers in [["Authorization": "Bearer \(key.secret)"], ["X-Api-Key": key.secret]] {
            let response = try Curl.get(
                self.lighttpd.url("/api/env.cgi?x=1"),
                headers: headers.merging(["Variable-KEYGATE_KEY_ID": "spoofed"]) { $1 })
            #expect(response.status == 200, "\(self.lighttpd.errorLog.suffix(1500))")
            let seen = self.seen(response)
            #expect(seen["key_id"] == key.id)
            #expect(seen["key_name"] == "test key")
            #expect(seen["owner"] == "team-a")
            #expect(seen["scopes"] == "reports:read")
            #expect(seen["uri"] == "/api/env.cgi?x=1")
            // A client's header reaches a CGI program only as HTTP_*: it cannot set KEYGATE_KEY_ID.
            #expect(seen["variable_header"] == "spoofed")
            // lighttpd cannot drop a request header after its authorizer: the key still reaches the backend.
            #expect(seen["authorization"] == (headers["Authorization"] == nil ? "" : "present"))
            #expect(!response.headers.contains { $0.0.lowercased().hasPrefix("variable-") }, "\(response.headers)")
            #expect(!response.headers.contains { $0.0.lowercased().hasPrefix("x-keygate") }, "\(response.headers)")
        }
    }

    @Test func missingKeyIs401WithTheChallengeAndTheProblemBody() throws {
        let response = try Curl.get(self.lighttpd.url("/api/env.cgi"))
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(response.header("X-Keygate-Reason") == "missing")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.body.contains("\"type\":\"urn:keygate:problem:missing\""))
        #expect(!response.body.contains("key_id="))
    }

    @Test func malformedRevokedAndUnscopedKeysAreRefused() throws {
        let malformed = try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": "kg_guess"])
        #expect(malformed.status == 401)
        #expect(malformed.header("X-Keygate-Reason") == "malformed")
        #expect(malformed.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)

        let revoked = try Harness.createKey(db: self.db)
        #expect(try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": revoked.secret]).status == 200)
        #expect(try Harness.keygate(["keys", "revoke", "--db", self.db, revoked.id]).status == 0)
        let refused = try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": revoked.secret])
        #expect(refused.status == 401)
        #expect(refused.header("X-Keygate-Reason") == "revoked")
        #expect(refused.body.contains("\"reason\":\"revoked\""))
        #expect(!refused.body.contains("key_id="))

        // The shipped setenv.set-environment KEYGATE_SCOPE reaches the authorizer.
        let unscoped = try Harness.createKey(db: self.db)
        let forbidden = try Curl.get(
            self.lighttpd.url("/api/reports/env.cgi"), headers: ["X-Api-Key": unscoped.secret])
        #expect(forbidden.status == 403)
        #expect(forbidden.header("X-Keygate-Reason") == "insufficient_scope")
        #expect(forbidden.header("WWW-Authenticate")?.contains("scope=\"reports:read\"") == true)
        let scoped = try Harness.createKey(db: self.db, ["--scope", "reports:read"])
        let allowed = try Curl.get(self.lighttpd.url("/api/reports/env.cgi"), headers: ["X-Api-Key": scoped.secret])
        #expect(allowed.status == 200)
        #expect(self.seen(allowed)["key_id"] == scoped.id)
    }

    @Test func overTheLimitIs429WithRetryAfterAndTheRateLimitFields() throws {
        let key = try Harness.createKey(db: self.db, ["--limit", "2/min"])
        for _ in 0..<2 {
            #expect(try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": key.secret]).status == 200)
        }
        let limited = try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": key.secret])
        #expect(limited.status == 429)
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(limited.header("RateLimit-Policy") == "\"2-per-min\";q=2;w=60")
        #expect(limited.header("RateLimit")?.hasPrefix("\"2-per-min\";r=0;") == true)
        #expect(limited.header("X-Keygate-Reason") == "rate_limited")
        #expect(limited.body.contains("\"violated-policies\":[\"2-per-min\"]"))
        #expect(!limited.body.contains("key_id="))
    }

    @Test func keygateAsAPlainCGIProgramUnderModCGI() throws {
        let key = try Harness.createKey(db: self.db, ["--owner", "team-b", "--limit", "1/min"])
        let allowed = try Curl.get(
            self.lighttpd.url("/keygate-check/api/x"), headers: ["Authorization": "Bearer \(key.secret)"])
        #expect(allowed.status == 204, "\(self.lighttpd.errorLog.suffix(1500))")
        #expect(allowed.header("X-Keygate-Key-Id") == key.id)
        #expect(allowed.header("X-Keygate-Owner") == "team-b")
        // Counted in the counters file the running `keygate serve` uses: its FastCGI authorizer now refuses too.
        let limited = try Curl.get(self.lighttpd.url("/keygate-check/api/x"), headers: ["X-Api-Key": key.secret])
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") == "60")
        #expect(limited.header("X-Keygate-Reason") == "rate_limited")
        #expect(limited.body.contains("\"violated-policies\":[\"1-per-min\"]"))
        #expect(try Curl.get(self.lighttpd.url("/api/env.cgi"), headers: ["X-Api-Key": key.secret]).status == 429)

        let missing = try Curl.get(self.lighttpd.url("/keygate-check/api/x"))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(missing.body.contains("\"reason\":\"missing\""))
    }
}
