import Foundation
import Glibc
import Testing

/// The shipped nginx files in front of `keygate serve`, driven with curl.
@Suite(.serialized)
final class NginxTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let server: KeygateServer
    let nginx: NginxServer

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db, ["--scope", "reports:read", "--owner", "team-a"])
        self.server = try KeygateServer(db: self.db, scratch: self.scratch, workers: 2)
        self.nginx = try NginxServer(scratch: self.scratch, socketPath: self.server.socketPath)
    }

    deinit {
        self.nginx.stop()
        self.server.stop()
    }

    @Test func validKeyReachesTheUpstreamWithIdentityAndWithoutTheKey() throws {
        for headers in [["Authorization": "Bearer \(self.key.secret)"], ["X-API-Key": self.key.secret]] {
            let response = try Curl.get(
                self.nginx.url("/api/things?x=1"), headers: headers.merging(["X-Keygate-Key-Id": "spoofed"]) { $1 })
            #expect(response.status == 200)
            #expect(response.body.contains("uri=/api/things?x=1"))
            #expect(response.body.contains("key_id=\(self.key.id) "))
            #expect(response.body.contains("owner=team-a "))
            #expect(response.body.contains("scopes=reports:read "))
            #expect(response.body.contains("authorization= "))
            #expect(response.body.hasSuffix("x_api_key=\n"))
            #expect(!response.body.contains(self.key.secret))
            #expect(!response.body.contains("spoofed"))
        }
    }

    @Test func missingKeyIs401WithChallengeAndProblem() throws {
        let response = try Curl.get(self.nginx.url("/api/things"))
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == "Bearer realm=\"api\"")
        #expect(response.header("X-Keygate-Reason") == "missing")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.body.contains("\"type\":\"urn:keygate:problem:missing\""))
        #expect(response.body.contains("\"status\":401"))
        #expect(response.header("Connection") != "close")
    }

    @Test func badKeysAre401InvalidToken() throws {
        let malformed = try Curl.get(self.nginx.url("/api/things"), headers: ["X-API-Key": "kg_guess"])
        #expect(malformed.status == 401)
        #expect(malformed.header("X-Keygate-Reason") == "malformed")
        #expect(malformed.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        let unknown = try Harness.createKey(db: self.scratch.file("elsewhere.db"))
        let response = try Curl.get(self.nginx.url("/api/things"), headers: ["X-API-Key": unknown.secret])
        #expect(response.status == 401)
        #expect(response.header("X-Keygate-Reason") == "unknown")
    }

    @Test func routeScopesAreEnforced() throws {
        let ok = try Curl.get(self.nginx.url("/api/reports/daily"), headers: ["X-API-Key": self.key.secret])
        #expect(ok.status == 200)
        let forbidden = try Curl.get(self.nginx.url("/api/admin/users"), headers: ["X-API-Key": self.key.secret])
        #expect(forbidden.status == 403)
        #expect(forbidden.header("X-Keygate-Reason") == "insufficient_scope")
        #expect(forbidden.body.contains("\"missing_scopes\":[\"admin\"]"))
        #expect(!forbidden.body.contains("upstream:"))
    }

    @Test func revocationIsImmediateThroughNginx() throws {
        let victim = try Harness.createKey(db: self.db)
        for _ in 0..<10 {
            #expect(try Curl.get(self.nginx.url("/api/a"), headers: ["X-API-Key": victim.secret]).status == 200)
        }
        #expect(try Harness.keygate(["keys", "revoke", "--db", self.db, victim.id]).status == 0)
        for _ in 0..<10 {
            let response = try Curl.get(self.nginx.url("/api/a"), headers: ["X-API-Key": victim.secret])
            #expect(response.status == 401)
            #expect(response.header("X-Keygate-Reason") == "revoked")
        }
    }

    @Test func expiryThroughNginx() throws {
        let shortLived = try Harness.createKey(db: self.db, ["--expires", "2s"])
        #expect(try Curl.get(self.nginx.url("/api/a"), headers: ["X-API-Key": shortLived.secret]).status == 200)
        usleep(2_200_000)
        let response = try Curl.get(self.nginx.url("/api/a"), headers: ["X-API-Key": shortLived.secret])
        #expect(response.status == 401)
        #expect(response.header("X-Keygate-Reason") == "expired")
    }

    @Test func postWithABodyIsDecidedWithoutWaitingForIt() throws {
        let start = Date()
        let response = try Harness.run(
            "/usr/bin/curl",
            [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-X", "POST",
                "-H", "X-API-Key: \(self.key.secret)", "--data", "0123456789", self.nginx.url("/api/post"),
            ])
        #expect(response.stdout == "200")
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test func keygateDownFailsClosedWithJSON500() throws {
        let scratch = try Scratch()
        let nginx = try NginxServer(scratch: scratch, socketPath: scratch.file("nobody-here.sock"), name: "down")
        defer { nginx.stop() }
        let response = try Curl.get(nginx.url("/api/a"), headers: ["X-API-Key": self.key.secret])
        #expect(response.status == 500)
        #expect(response.body.contains("auth_unavailable"))
    }
}
