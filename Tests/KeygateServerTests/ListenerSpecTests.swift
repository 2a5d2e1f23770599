import KeygateCore
import Testing

@testable import KeygateServer

struct ListenerSpecTests {
    @Test(arguments: [
        ("unix:/run/keygate/keygate.sock", "unix:/run/keygate/keygate.sock"),
        ("127.0.0.1:9000", "127.0.0.1:9000"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000?for=nginx&allow=204&client-ip=x-forwarded-for"),
        ("http://localhost:9000?for=caddy", "http://127.0.0.1:9000?for=caddy&allow=204&client-ip=x-forwarded-for"),
        ("http://[::1]:9000?for=envoy", "http://[::1]:9000?for=envoy&allow=200&client-ip=x-forwarded-for"),
        (
            "http://127.0.0.1:9000?for=traefik&allow=200&client-ip=x-real-ip",
            "http://127.0.0.1:9000?for=traefik&allow=200&client-ip=x-real-ip"
        ),
        (
            "http+unix:/run/keygate/http.sock?for=caddy",
            "http+unix:/run/keygate/http.sock?for=caddy&allow=204&client-ip=x-forwarded-for"
        ),
    ])
    func parses(text: String, description: String) throws {
        let spec = try ListenerSpec.parse(text).get()
        #expect(spec.description == description)
        // The canonical form reads back as the same listener.
        #expect(try ListenerSpec.parse(spec.description).get() == spec)
    }

    @Test func stylesSetAllowAndLimitStatuses() throws {
        let nginx = try ListenerSpec.parse("http://127.0.0.1:9000").get()
        #expect(nginx.wire == .http(ForwardAuthStyle(frontEnd: .nginx)))
        #expect(ForwardAuthStyle(frontEnd: .nginx).limitDenyStatus == 403)
        #expect(ForwardAuthStyle(frontEnd: .caddy).limitDenyStatus == 429)
        #expect(ForwardAuthStyle(frontEnd: .envoy).allowStatus == 200)
        #expect(ForwardAuthStyle(frontEnd: .traefik).allowStatus == 204)
        #expect(try ListenerSpec.parse("unix:/tmp/k.sock").get().wire == .fastCGI)
    }

    @Test(arguments: [
        ("http://127.0.0.1:9000?for=apache", "for=apache"),
        ("http://127.0.0.1:9000?allow=201", "allow=201"),
        ("http://127.0.0.1:9000?for=envoy&allow=204", "Envoy allows on 200 only"),
        ("http://127.0.0.1:9000?client-ip=forwarded", "client-ip=forwarded"),
        ("http://127.0.0.1:9000?color=blue", "unknown listener option 'color'"),
        ("http://127.0.0.1:9000/auth", "no path after the port"),
        ("http://127.0.0.1", "--listen http://127.0.0.1"),
        ("http://example.com:80", "is not an IP address"),
        ("https://127.0.0.1:9000", "plain HTTP"),
        ("http+unix:", "--listen http+unix:"),
        ("http://systemd", "HTTP listens on http://HOST:PORT"),
        ("http://fd:0", "HTTP listens on http://HOST:PORT"),
    ])
    func rejects(text: String, mentioning: String) {
        guard case .failure(let error) = ListenerSpec.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.description.contains(mentioning), "\(error.description)")
        #expect(error.description.hasPrefix("--listen ") || error.description.contains("listener option"))
    }

    @Test func workerTokensCarryTheProtocol() throws {
        let style = ForwardAuthStyle(frontEnd: .envoy)
        let socket = ListeningSocket(fd: 4, address: .inherited(fd: 4), createdPath: nil, wire: .http(style))
        #expect(socket.workerToken == "4?for=envoy&allow=200&client-ip=x-forwarded-for")
        let read = try #require(ListeningSocket.fromWorkerToken(Substring(socket.workerToken)))
        #expect(read.fd == 4)
        #expect(read.wire == .http(style))
        #expect(ListeningSocket.fromWorkerToken("3")?.wire == .fastCGI)
        #expect(ListeningSocket.fromWorkerToken("x") == nil)
        #expect(ListeningSocket.fromWorkerToken("3?for=nope") == nil)
    }
}
