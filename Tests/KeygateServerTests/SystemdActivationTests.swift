import KeygateCore
import Testing

@testable import KeygateServer

struct SystemdActivationTests {
    @Test func socketsPassedToThisProcessWithTheirNames() throws {
        let found = try #require(
            SystemdActivation.parse(listenPID: "77", listenFDs: "2", listenFDNames: "http:fastcgi", processID: 77))
        #expect(found.sockets.map(\.fd) == [3, 4])
        #expect(found.descriptors(named: "fastcgi") == [4])
        #expect(found.descriptors(named: "http") == [3])
        #expect(found.descriptors(named: nil) == [3, 4])
        #expect(found.descriptors(named: "other").isEmpty)
    }

    @Test func namesAreUnknownWhenUnsetOrTheirCountDiffers() throws {
        for names in [nil, "http", "a:b:c"] as [String?] {
            let found = try #require(
                SystemdActivation.parse(listenPID: "9", listenFDs: "2", listenFDNames: names, processID: 9))
            #expect(found.sockets.map(\.name) == ["unknown", "unknown"])
        }
    }

    @Test(
        arguments: [
            ("78", "1"),  // meant for another process (a wrapper, a parent)
            (nil, "1"), ("77", nil), ("77", "0"), ("77", "x"), ("x", "1"), ("77", "-1"),
        ] as [(String?, String?)])
    func nothingPassed(pid: String?, fds: String?) {
        #expect(SystemdActivation.parse(listenPID: pid, listenFDs: fds, listenFDNames: nil, processID: 77) == nil)
    }

    @Test(arguments: [
        ("systemd", "systemd"), ("systemd:fastcgi", "systemd:fastcgi"),
        ("http+systemd", "http+systemd?for=nginx&allow=204&client-ip=x-forwarded-for"),
        ("http+systemd:http?for=caddy", "http+systemd:http?for=caddy&allow=204&client-ip=x-forwarded-for"),
    ])
    func activatedListenersParse(text: String, description: String) throws {
        let spec = try ListenerSpec.parse(text).get()
        #expect(spec.description == description)
        #expect(try ListenerSpec.parse(spec.description).get() == spec)
        #expect(spec.address.isLocalOnly)
    }

    @Test(arguments: [
        ("http+systemd:", "expected http+systemd or http+systemd:NAME"),
        ("http+systemdx", "expected http+systemd or http+systemd:NAME"),
        ("http+systemd?for=apache", "for=apache"), ("systemd:", "expected systemd:NAME"),
        ("systemd:a:b", "expected systemd:NAME"),
    ])
    func activatedListenersReject(text: String, mentioning: String) {
        guard case .failure(let error) = ListenerSpec.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.description.contains(mentioning), "\(error.description)")
    }
}
