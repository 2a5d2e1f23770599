import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// Logging in to a real redis-server: `AUTH` with `requirepass` and with an ACL user, `SELECT`, a password from the
/// URL, a file or the environment; a wrong password refused at once with a message that names the fix and never the
/// password.
@Suite(.serialized)
struct RedisLoginTests {
    static let password = "l0gin-test-pw"

    static func server() throws -> RedisServer {
        try RedisServer(
            arguments: [
                "--requirepass", Self.password, "--user", "keygate", "on", ">acl-user-pw", "~keygate:*", "&*", "+@all",
            ], login: RedisLogin(password: Self.password))
    }

    static func refusal(_ body: () throws(RedisError) -> RESPValue) -> RedisError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func theRightPasswordGetsInAndAWrongOneIsRefusedAtOnce() throws {
        let redis = try Self.server()
        // No password: the server answers every command with NOAUTH, an answer and not a broken connection.
        guard
            case .error(let noAuth) = try RedisConnection(host: "127.0.0.1", port: redis.port)
                .call(["PING"], timeoutMillis: 1_000)
        else { throw HarnessError("a server with requirepass answered without a password") }
        #expect(noAuth.hasPrefix("NOAUTH"))
        let good = RedisConnection(host: "127.0.0.1", port: redis.port, login: RedisLogin(password: Self.password))
        #expect(try good.call(["PING"], timeoutMillis: 1_000) == .simple("PONG"))
        // Every new connection logs in again: after the server closes it, the next call is served.
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port, login: RedisLogin(password: Self.password))
        #expect(try admin.call(["CLIENT", "KILL", "TYPE", "normal"], timeoutMillis: 1_000).integer ?? 0 >= 1)
        #expect(throws: RedisError.self) { try good.call(["PING"], timeoutMillis: 1_000) }  // closed, or reset
        #expect(try good.call(["PING"], timeoutMillis: 1_000) == .simple("PONG"))
        let wrong = RedisConnection(host: "127.0.0.1", port: redis.port, login: RedisLogin(password: "not-it-9f2"))
        let started = Date()
        let error = try #require(
            Self.refusal { () throws(RedisError) in try wrong.call(["PING"], timeoutMillis: 2_000) })
        #expect(Date().timeIntervalSince(started) < 1, "a refusal must not wait for the deadline")
        guard case .refused("AUTH", "127.0.0.1:\(redis.port)", let message) = error else {
            throw HarnessError("not an AUTH refusal: \(error)")
        }
        #expect(message.hasPrefix("WRONGPASS"))
        #expect(error.description.contains("AUTH refused") && error.description.contains("KEYGATE_REDIS_PASSWORD"))
        #expect(!error.description.contains("not-it-9f2"))
        #expect(!wrong.isOpen)
    }

    @Test func anACLUserAndADatabase() throws {
        let redis = try Self.server()
        let user = RedisConnection(
            host: "127.0.0.1", port: redis.port,
            login: RedisLogin(user: "keygate", password: "acl-user-pw", database: 3))
        #expect(try user.call(["SET", "keygate:{kid_1}:x", "in-3"], timeoutMillis: 1_000) == .simple("OK"))
        // The ACL is the user's: keys outside keygate:* are refused by Redis, as an answer.
        guard case .error(let denied) = try user.call(["GET", "other"], timeoutMillis: 1_000) else {
            throw HarnessError("the ACL user read a key outside its pattern")
        }
        #expect(denied.hasPrefix("NOPERM"))
        let admin = RedisConnection(host: "127.0.0.1", port: redis.port, login: RedisLogin(password: Self.password))
        #expect(try admin.call(["GET", "keygate:{kid_1}:x"], timeoutMillis: 1_000) == .bulk(nil))
        #expect(try admin.call(["SELECT", "3"], timeoutMillis: 1_000) == .simple("OK"))
        #expect(try admin.call(["GET", "keygate:{kid_1}:x"], timeoutMillis: 1_000).text == "in-3")
        let wrongUser = RedisConnection(
            host: "127.0.0.1", port: redis.port, login: RedisLogin(user: "keygate", password: Self.password))
        #expect(
            Self.refusal { () throws(RedisError) in try wrongUser.call(["PING"], timeoutMillis: 1_000) }
                .map { if case .refused("AUTH", _, let message) = $0 { message.hasPrefix("WRONGPASS") } else { false } }
                == true)
        let noDatabase = RedisConnection(
            host: "127.0.0.1", port: redis.port, login: RedisLogin(password: Self.password, database: 99))
        let error = Self.refusal { () throws(RedisError) in try noDatabase.call(["PING"], timeoutMillis: 1_000) }
        #expect(error?.description == "redis 127.0.0.1:\(redis.port): SELECT refused (ERR DB index is out of range)")
    }

    @Test func aPasswordFromTheURLAFileOrTheEnvironmentLeasesQuota() throws {
        let redis = try Self.server()
        let policy = QuotaPolicy(limit: 100, window: .day)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let (index, end) = (policy.windowIndex(containing: now), policy.windowEndMicros(containing: now) / 1_000_000)
        let file = redis.scratch.file("redis-password")
        try "acl-user-pw\n".write(toFile: file, atomically: true, encoding: .utf8)
        setenv(RedisEndpoint.passwordEnvironmentName, Self.password, 1)
        defer { unsetenv(RedisEndpoint.passwordEnvironmentName) }
        let urls = [
            "redis://:\(Self.password)@127.0.0.1:\(redis.port)/1",
            "redis://keygate@127.0.0.1:\(redis.port)/1?password_file=\(file)",
            "redis://127.0.0.1:\(redis.port)/1",
        ]
        var used: Int64 = 0
        for url in urls {
            let endpoint = try RedisEndpoint.parse(url)
            #expect(!endpoint.description.contains(Self.password) && !endpoint.description.contains("acl-user-pw"))
            let lease = RedisQuotaLease(redis: try endpoint.client(), timeoutMillis: 2_000)
            used += 10
            #expect(
                try lease.lease(keyID: "kid_u", policy: policy, window: index, windowEndSeconds: end, want: 10)
                    .withoutIncarnation
                    == .granted(permits: 10, used: used, incarnation: ""), "\(endpoint)")
        }
        // A wrong password from the file is refused when the first call logs in.
        try "wrong-pw-7c1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let endpoint = try RedisEndpoint.parse("redis://keygate@127.0.0.1:\(redis.port)?password_file=\(file)")
        #expect {
            try RedisQuotaLease(redis: try endpoint.client(), timeoutMillis: 2_000)
                .lease(keyID: "kid_u", policy: policy, window: index, windowEndSeconds: end, want: 1)
        } throws: { error in
            guard case .connection(.refused("AUTH", _, _)) = error as? RedisLeaseError else { return false }
            return !"\(error)".contains("wrong-pw-7c1")
        }
        // A missing file or an empty one is said at startup, before any connection.
        let missing = try RedisEndpoint.parse("redis://127.0.0.1:\(redis.port)?password_file=/nonexistent/pw")
        #expect(throws: ConfigurationError.self) { try missing.client() }
        try "\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError("redis password_file \(file): the first line is empty")) {
            try endpoint.client()
        }
    }
}
