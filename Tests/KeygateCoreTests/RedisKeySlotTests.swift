import KeygateCore
import Testing

/// Redis Cluster routing, pure: key slots against values a real cluster gives (`CLUSTER KEYSLOT`), the slot map read
/// from a `CLUSTER SLOTS` reply, and `-MOVED`/`-ASK` replies.
struct RedisKeySlotTests {
    /// `CLUSTER KEYSLOT` of each key on redis-server 7.0.15; "123456789" is the check value of the Redis Cluster spec.
    static let knownSlots: [(String, Int)] = [
        ("123456789", 12739), ("foo", 12182), ("bar", 5061), ("hello", 866), ("somekey", 11058),
        ("{user1000}.following", 3443), ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015), ("foo{bar}{zap}", 5061),
        ("{}", 15257), ("keygate:{kid_1}:rate:default", 8414),
    ]

    @Test(arguments: Self.knownSlots)
    func slotsAreRedissSlots(key: String, slot: Int) {
        #expect(RedisKeySlot.of(key) == slot)
    }

    @Test func theCRCIsXMODEMAndAHashTagPicksTheSlot() {
        #expect(RedisKeySlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisKeySlot.crc16([]) == 0)
        // Every Redis key of one API key hashes its tag only.
        let tagged = ["keygate:{kid_7}:rate:default", "keygate:{kid_7}:quota:q:day:20000", "{kid_7}"]
        #expect(Set(tagged.map(RedisKeySlot.of)).count == 1)
        #expect(RedisKeySlot.of("keygate:{kid_7}:x") == RedisKeySlot.of("kid_7"))
    }

    static func node(_ host: String, _ port: Int64) -> RESPValue {
        .array([.bulk(Array(host.utf8)), .integer(port), .bulk(Array("0123abcd".utf8))])
    }

    @Test func aSlotMapIsReadFromClusterSlots() throws {
        let asked = RedisNodeAddress(host: "127.0.0.1", port: 7001)
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), Self.node("127.0.0.1", 7001), Self.node("127.0.0.1", 7101)]),
            .array([.integer(5461), .integer(10922), Self.node("127.0.0.2", 7002)]),
            .array([.integer(10923), .integer(16383), Self.node("", 7003)]),
        ])
        var map = try #require(RedisSlotMap(clusterSlots: reply, asked: asked))
        #expect(
            map.masters == [
                asked, RedisNodeAddress(host: "127.0.0.2", port: 7002), RedisNodeAddress(host: "127.0.0.1", port: 7003),
            ])
        #expect(map.coversEverySlot)
        #expect(map.master(forSlot: 0) == asked && map.master(forSlot: 5460) == asked)
        #expect(map.master(forSlot: 5461)?.port == 7002 && map.master(forSlot: 10922)?.port == 7002)
        #expect(map.master(forSlot: 16383)?.port == 7003)
        map.assign(slot: 5461, to: asked)
        #expect(map.master(forSlot: 5461) == asked && map.master(forSlot: 5462)?.port == 7002)
        // A cluster missing a range is read, and says so.
        let partial = try #require(
            RedisSlotMap(
                clusterSlots: .array([.array([.integer(0), .integer(99), Self.node("127.0.0.1", 7001)])]),
                asked: asked))
        #expect(!partial.coversEverySlot && partial.master(forSlot: 100) == nil)
    }

    @Test(arguments: [
        RESPValue.error("ERR This instance has cluster support disabled"), .array(nil),
        .array([.array([.integer(0), .integer(16384), Self.node("127.0.0.1", 7001)])]),
        .array([.array([.integer(9), .integer(3), Self.node("127.0.0.1", 7001)])]),
        .array([.array([.integer(0), .integer(9), Self.node("db.internal", 7001)])]),
        .array([.array([.integer(0), .integer(9), Self.node("127.0.0.1", 70_001)])]),
    ])
    func otherRepliesAreNoSlotMap(reply: RESPValue) {
        #expect(RedisSlotMap(clusterSlots: reply, asked: RedisNodeAddress(host: "127.0.0.1", port: 1)) == nil)
    }

    @Test func redirectionsAreRead() {
        let node = RedisNodeAddress(host: "127.0.0.1", port: 30002)
        #expect(RedisRedirection(errorMessage: "MOVED 3999 127.0.0.1:30002") == .moved(slot: 3999, node: node))
        #expect(RedisRedirection(errorMessage: "ASK 16383 127.0.0.1:30002") == .ask(slot: 16383, node: node))
        for message in [
            "MOVED 16384 127.0.0.1:30002", "MOVED 1 redis.internal:30002", "ASK 1 127.0.0.1", "ERR MOVED 1 1.2.3.4:5",
            "WRONGTYPE Operation against a key holding the wrong kind of value", "CLUSTERDOWN Hash slot not served",
        ] {
            #expect(RedisRedirection(errorMessage: message) == nil, "\(message)")
        }
    }
}
