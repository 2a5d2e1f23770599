import KeygateCore
import Testing

/// Redis URLs: one server or a cluster, a user and password from the URL, a file or the environment, a database;
/// everything else refused with what is supported; the password never in a description or an error.
struct RedisEndpointTests {
    static func node(_ host: String, _ port: UInt16) -> RedisNodeAddress { RedisNodeAddress(host: host, port: port) }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try RedisEndpoint.parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func oneServer() throws {
        let plain = try RedisEndpoint.parse("redis://10.0.0.9")
        #expect(plain.mode == .single && plain.nodes == [Self.node("10.0.0.9", 6379)])
        #expect(plain.user == nil && plain.password == .environment && plain.database == 0)
        #expect(plain.description == "redis://10.0.0.9:6379")
        let full = try RedisEndpoint.parse("redis://keygate:s3cr%40t%3A%2F@127.0.0.1:6380/2")
        #expect(full.nodes == [Self.node("127.0.0.1", 6380)] && full.database == 2)
        #expect(full.user == "keygate" && full.password == .url("s3cr@t:/"))
        #expect(full.description == "redis://keygate:***@127.0.0.1:6380/2")
        #expect("\(full.password)" == "the URL" && !String(reflecting: full).contains("s3cr"))
        let login = try full.login(password: "s3cr@t:/")
        #expect(login.handshake == [["AUTH", "keygate", "s3cr@t:/"], ["SELECT", "2"]])
        #expect(!"\(login)".contains("s3cr"))
        let defaultUser = try RedisEndpoint.parse("REDIS://:pw@127.0.0.1:6379/")
        #expect(defaultUser.user == nil && defaultUser.password == .url("pw") && defaultUser.database == 0)
        #expect(defaultUser.description == "redis://:***@127.0.0.1:6379")
        #expect(try defaultUser.login(password: "pw").handshake == [["AUTH", "pw"]])
        #expect(RedisLogin().handshake.isEmpty)
    }

    @Test func aPasswordFromAFileOrTheEnvironment() throws {
        let file = try RedisEndpoint.parse("redis://keygate@127.0.0.1?password_file=/run/secrets/redis%20pw")
        #expect(file.user == "keygate" && file.password == .file("/run/secrets/redis pw"))
        #expect(file.description == "redis://keygate@127.0.0.1:6379?password_file=/run/secrets/redis pw")
        let environment = try RedisEndpoint.parse("redis://keygate@127.0.0.1")
        #expect(environment.password == .environment)
        // A user without any password found is a mistake, said at startup.
        #expect(throws: ConfigurationError.self) { try environment.login(password: nil) }
        #expect(RedisEndpoint.passwordEnvironmentName == "KEYGATE_REDIS_PASSWORD")
    }

    @Test func aCluster() throws {
        let cluster = try RedisEndpoint.parse("redis+cluster://10.0.0.1:7000,10.0.0.2:7001,10.0.0.3")
        #expect(cluster.mode == .cluster)
        #expect(
            cluster.nodes == [Self.node("10.0.0.1", 7000), Self.node("10.0.0.2", 7001), Self.node("10.0.0.3", 6379)])
        #expect(cluster.description == "redis+cluster://10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:6379")
        let secured = try RedisEndpoint.parse("redis+cluster://:hunter2@10.0.0.1:7000/0")
        #expect(secured.password == .url("hunter2") && secured.description == "redis+cluster://:***@10.0.0.1:7000")
    }

    @Test(arguments: [
        ("rediss://10.0.0.9", "TLS) is not supported; use redis:// or redis+cluster:// and carry"),
        ("rediss+cluster://10.0.0.9", "stunnel or WireGuard"),
        ("http://10.0.0.9", "unknown scheme http; supported: redis:// (one server) and redis+cluster://"),
        ("10.0.0.9:6379", "expected redis://host[:port][/db] or redis+cluster://"),
        ("redis://redis.internal:6379", "host redis.internal:6379 is not a numeric IPv4 address"),
        ("redis://10.0.0.9:0", "with an optional port from 1 to 65535"),
        ("redis://10.0.0.9:65536", "with an optional port from 1 to 65535"),
        ("redis://", "host (empty) is not"),
        ("redis://10.0.0.1,10.0.0.2", "several hosts need redis+cluster://"),
        ("redis+cluster://10.0.0.1:7000,", "host (empty) is not"),
        ("redis://10.0.0.9/db1", "the path /db1 is not a database number"),
        ("redis+cluster://10.0.0.1:7000/3", "a Redis Cluster has only database 0; remove /3"),
        ("redis://10.0.0.9?timeout=5", "unknown parameter timeout; the one supported is password_file=PATH"),
        ("redis://10.0.0.9?password_file=relative", "password_file needs one absolute path"),
        ("redis://:pw@10.0.0.9?password_file=/a", "a password and a password_file; give the password once"),
        ("redis://:pw%zz@10.0.0.9", "bad %-escape"),
    ])
    func refusalsSayWhatIsSupported(text: String, message: String) {
        let refusal = Self.refusal(text)
        #expect(refusal?.contains(message) == true, "\(refusal ?? "accepted")")
    }

    /// A password typed without escaping lands in the host or path; the refusal still does not show it.
    @Test(arguments: [
        "redis://:pa/ss-w0rd@10.0.0.9", "redis://u:pass-w0rd@redis.internal", "redis://:p?ass-w0rd@10.0.0.9",
        "redis://u:pass-w0rd@10.0.0.9/x", "pass-w0rd@10.0.0.9://", "redis://:pass-w0rd@10.0.0.9:99999",
    ])
    func refusalsNeverShowAPassword(text: String) {
        let refusal = Self.refusal(text)
        #expect(refusal != nil)
        #expect(refusal?.contains("w0rd") == false, "\(refusal ?? "")")
    }
}
