import KeygateCore
import Testing

@testable import KeygateServer

struct ListenAddressTests {
    @Test(arguments: [
        ("unix:/run/keygate/keygate.sock", "unix:/run/keygate/keygate.sock", true),
        ("127.0.0.1:9000", "127.0.0.1:9000", true),
        ("localhost:9000", "127.0.0.1:9000", true),
        ("[::1]:9000", "[::1]:9000", true),
        ("127.8.9.10:1", "127.8.9.10:1", true),
        ("0.0.0.0:9000", "0.0.0.0:9000", false),
        ("192.0.2.10:9000", "192.0.2.10:9000", false),
        ("[::]:9000", "[::]:9000", false),
        ("fd:0", "fd:0", true),
        ("systemd", "systemd", true),
    ])
    func parses(text: String, description: String, localOnly: Bool) throws {
        let address = try ListenAddress.parse(text).get()
        #expect(address.description == description)
        #expect(address.isLocalOnly == localOnly)
    }

    @Test(arguments: [
        "", "nowhere", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "example.com:80", "fd:x", "fd:-1",
        "unix:" + String(repeating: "a", count: 120),
    ])
    func rejects(text: String) {
        guard case .failure(let error) = ListenAddress.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.description.hasPrefix("--listen"))
    }
}
