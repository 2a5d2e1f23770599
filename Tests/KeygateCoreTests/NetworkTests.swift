import Testing

@testable import KeygateCore

struct IPAddressTests {
    @Test(arguments: [
        "192.0.2.1", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::1", "::", "fe80::1:2:3:4",
        "2001:db8:0:1:1:1:1:1",
    ])
    func roundTrips(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == text)
    }

    @Test func mappedIPv4() {
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        #expect(IPAddress("192.0.2.1")!.isIPv4)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", ":::", "1::2::3",
        "12345::1", "::g", "1:2:3:4:5:6:7:8:9", "1.2.3.4 ", " 1.2.3.4", "1:2:3:4:5:6:7", ":1::2", "1::2:",
    ])
    func rejects(text: String) {
        #expect(IPAddress(text) == nil)
    }
}

struct CIDRTests {
    @Test func containment() throws {
        let net = try #require(CIDR("10.0.0.0/8"))
        #expect(net.contains(IPAddress("10.255.0.1")!))
        #expect(!net.contains(IPAddress("11.0.0.0")!))
        #expect(!net.contains(IPAddress("::a00:1")!))
        let host = try #require(CIDR("203.0.113.7"))
        #expect(host.contains(IPAddress("203.0.113.7")!))
        #expect(!host.contains(IPAddress("203.0.113.8")!))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(CIDR("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(CIDR("::/0")!.contains(IPAddress("::1")!))
    }

    @Test(arguments: [
        "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "x/8", "::/129", "2001:db8::1/32", "10.0.0.0/8/8",
    ])
    func rejects(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func describes() {
        #expect(CIDR("10.0.0.0/8")!.description == "10.0.0.0/8")
        #expect(CIDR("2001:db8::/32")!.description == "2001:db8::/32")
    }
}

struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"),
        (1_795_305_600, "2026-11-22T00:00:00Z"), (4_107_542_399, "2100-02-28T23:59:59Z"),
    ])
    func formats(seconds: Int64, text: String) {
        #expect(Timestamp.iso8601(seconds) == text)
        #expect(Timestamp.parse(text) == seconds)
    }

    @Test func parsesDates() {
        #expect(Timestamp.parse("2026-11-22") == 1_795_305_600)
        #expect(Timestamp.parse("2024-02-29") != nil)
        #expect(Timestamp.parse("2023-02-29") == nil)
        #expect(Timestamp.parse("2100-02-29") == nil)
        #expect(Timestamp.parse("2026-13-01") == nil)
        #expect(Timestamp.parse("2026-11-22T24:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test(arguments: [
        ("30s", Int64(30)), ("15m", 900), ("15min", 900), ("12h", 43_200), ("90d", 7_776_000), ("2w", 1_209_600),
    ])
    func durations(text: String, seconds: Int64) {
        #expect(DurationSpec.seconds(text) == seconds)
    }

    @Test(arguments: ["", "0d", "-1d", "10", "10y", "d", "1.5h", "9999999999999d"])
    func badDurations(text: String) {
        #expect(DurationSpec.seconds(text) == nil)
    }
}
