import KeygateCore
import Testing

@testable import KeygateAdmin

@Suite struct AdminGrantTests {
    @Test(arguments: ["*", "keys:create", "keys:*", "*:read", "admin-keys:revoke", "usage:read", "*:*"])
    func grantsThatParse(text: String) {
        #expect(AdminGrant(text) != nil)
    }

    @Test(arguments: ["", "keys", "keys:", ":read", "keys:fly", "usage:create", "cats:read", "*:fly", "keys:create:x"])
    func grantsThatDoNot(text: String) {
        #expect(AdminGrant(text) == nil)
    }

    @Test func matching() {
        let grants = ["keys:create", "usage:*"].compactMap { AdminGrant($0) }
        #expect(grants.allow("keys", "create"))
        #expect(!grants.allow("keys", "revoke"))
        #expect(grants.allow("usage", "read"))
        #expect([AdminGrant("*")!].allow("admin-keys", "create"))
        #expect([AdminGrant("*:read")!].allow("audit", "read") && ![AdminGrant("*:read")!].allow("keys", "create"))
    }

    @Test func coverIsEveryPairTheGrantAllows() {
        let holder = ["keys:*", "usage:read"].compactMap { AdminGrant($0) }
        #expect(holder.cover(AdminGrant("keys:revoke")!))
        #expect(holder.cover(AdminGrant("keys:*")!))
        #expect(!holder.cover(AdminGrant("*:read")!))  // plans:read, audit:read are not held
        #expect(!holder.cover(AdminGrant("*")!))
        #expect([AdminGrant("*")!].cover(AdminGrant("*")!))
    }

    @Test func operationsMatchTheirPaths() {
        #expect(AdminOperation.matching(method: "GET", path: "/v1/keys/kid_x") == .found(.getKey, id: "kid_x"))
        #expect(AdminOperation.matching(method: "HEAD", path: "/v1/keys") == .found(.listKeys, id: nil))
        #expect(
            AdminOperation.matching(method: "POST", path: "/v1/keys/kid_x/rotate") == .found(.rotateKey, id: "kid_x"))
        #expect(AdminOperation.matching(method: "GET", path: "/v1/keys//rotate") == .notFound)
        #expect(
            AdminOperation.matching(method: "PUT", path: "/v1/keys/kid_x")
                == .methodNotAllowed(["GET", "PATCH", "DELETE"]))
        #expect(AdminOperation.matching(method: "GET", path: "/v1/keys/") == .notFound)
    }

    @Test func theLimiterRefillsAtItsRateAndForgetsFullBuckets() {
        var limiter = AdminRateLimiter(rate: 10, burst: 3)
        let start: Int64 = 1_000_000_000
        #expect((0..<3).allSatisfy { _ in limiter.take("a", nowMicros: start) == nil })
        #expect(limiter.take("a", nowMicros: start) == 1)
        #expect(limiter.take("b", nowMicros: start) == nil)
        #expect(limiter.take("a", nowMicros: start + 100_000) == nil)  // one token after 0.1 s
        #expect(limiter.take("a", nowMicros: start + 100_000) != nil)
    }

    @Test func queriesArePercentDecoded() {
        let (path, query) = AdminRequest.split(target: "/v1/keys?owner=acme%20inc&name_prefix=a+b&x=%zz&owner=second")
        #expect(path == "/v1/keys")
        #expect(query["owner"] == "acme inc")
        #expect(query["name_prefix"] == "a b")
        #expect(query["x"] == nil)
    }
}
