import Testing

@testable import KeygateCore

/// Reading a forward-auth request from an HTTP head, per front-end style, and rendering answers for it.
struct AuthRequestHTTPTests {
    let nginxHead = HTTPRequestHead(
        method: "GET", target: "/_keygate",
        fields: [
            (.xOriginalURI, "/api/reports?x=1"), (.xOriginalMethod, "POST"), (.xForwardedFor, "203.0.113.7"),
            (.xAPIKey, "kg_abc"), (.authorization, "Bearer kg_abc"), (.xKeygateScope, "reports:read admin"),
            (.xKeygateCost, "5"), (.origin, "https://app.example"),
            (.xForwardedURI, "/spoofed"), (.xForwardedMethod, "DELETE"),
        ])

    @Test func nginxStyleReadsTheOriginalHeaders() {
        let request = AuthRequest(http: self.nginxHead, style: ForwardAuthStyle(frontEnd: .nginx))
        #expect(request.uri == "/api/reports?x=1")
        #expect(request.method == "POST")
        #expect(request.remoteAddress == "203.0.113.7")
        #expect(request.forwardedFor == nil)
        #expect(request.apiKeyHeader == "kg_abc")
        #expect(request.authorization == "Bearer kg_abc")
        #expect(request.requiredScopes == ["reports:read", "admin"])
        #expect(request.cost == 5)
        #expect(request.origin == "https://app.example")
        #expect(request.profile.limitDenyStatus == 403)
        #expect(request.profile == .http(.nginx))
        #expect(!request.dryRun)
    }

    @Test func caddyAndTraefikReadXForwarded() {
        for proxy in [FrontEnd.caddy, .traefik] {
            let request = AuthRequest(http: self.nginxHead, style: ForwardAuthStyle(frontEnd: proxy))
            #expect(request.uri == "/spoofed")
            #expect(request.method == "DELETE")
            #expect(request.profile.limitDenyStatus == 429)
        }
    }

    @Test func envoyReadsTheRequestLine() {
        let head = HTTPRequestHead(method: "PUT", target: "/v1/orders/7?dry=1", fields: [(.xOriginalURI, "/nope")])
        let request = AuthRequest(http: head, style: ForwardAuthStyle(frontEnd: .envoy))
        #expect(request.uri == "/v1/orders/7?dry=1")
        #expect(request.method == "PUT")
        #expect(request.profile.limitDenyStatus == 429)
    }

    @Test func missingOriginalHeadersFallBackToTheRequestLine() {
        let head = HTTPRequestHead(method: "GET", target: "/direct?q=1")
        for proxy in FrontEnd.httpFrontEnds {
            let request = AuthRequest(http: head, style: ForwardAuthStyle(frontEnd: proxy))
            #expect(request.uri == "/direct?q=1")
            #expect(request.cost == 1)
            #expect(request.requiredScopes.isEmpty)
            #expect(request.remoteAddress == nil)
        }
    }

    @Test func theClientIsTheRightmostHopOfTheConfiguredHeaderOnly() {
        let head = HTTPRequestHead(
            method: "GET", target: "/",
            fields: [(.xForwardedFor, "198.51.100.1, 10.0.0.2 ,  192.0.2.9"), (.xRealIP, "192.0.2.200")])
        let fromXFF = AuthRequest(http: head, style: ForwardAuthStyle(frontEnd: .caddy))
        #expect(fromXFF.remoteAddress == "192.0.2.9")
        #expect(fromXFF.forwardedFor == "198.51.100.1, 10.0.0.2 ")
        // Only through --trust-proxy do the hops left of the peer count.
        #expect(
            ClientAddress.resolve(
                remoteAddress: fromXFF.remoteAddress, forwardedFor: fromXFF.forwardedFor, trustedProxies: [])
                == IPAddress("192.0.2.9"))
        #expect(
            ClientAddress.resolve(
                remoteAddress: fromXFF.remoteAddress, forwardedFor: fromXFF.forwardedFor,
                trustedProxies: [CIDR("192.0.2.0/24")!, CIDR("10.0.0.0/8")!]) == IPAddress("198.51.100.1"))
        let fromRealIP = AuthRequest(http: head, style: ForwardAuthStyle(frontEnd: .nginx, clientIPHeader: .xRealIP))
        #expect(fromRealIP.remoteAddress == "192.0.2.200")
        #expect(fromRealIP.forwardedFor == nil)
    }

    @Test func aBadCostCountsAsOne() {
        for text in ["", "abc", "-3", "1.5"] {
            let head = HTTPRequestHead(method: "GET", target: "/", fields: [(.xKeygateCost, text)])
            #expect(AuthRequest(http: head, style: ForwardAuthStyle()).cost == 1, "\(text)")
        }
        let free = HTTPRequestHead(method: "GET", target: "/", fields: [(.xKeygateCost, "0")])
        #expect(AuthRequest(http: free, style: ForwardAuthStyle()).cost == 0)
    }

    func rendered(_ decision: Decision, style: ForwardAuthStyle, keepAlive: Bool = true) -> String {
        var out: [UInt8] = []
        let answer = AuthAnswer(decision, profile: style.profile, policy: GatePolicy(identityHeaders: false))
        HTTPResponseWriter.append(answer, keepAlive: keepAlive, minorVersion: 1, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func answersNeverCarryABody() {
        let allow = Decision(.allow)
        #expect(self.rendered(allow, style: ForwardAuthStyle()) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(
            self.rendered(allow, style: ForwardAuthStyle(frontEnd: .envoy))
                == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        let deny = self.rendered(Decision(.storeUnavailable), style: ForwardAuthStyle(), keepAlive: false)
        #expect(deny.hasPrefix("HTTP/1.1 500 Internal Server Error\r\nX-Keygate-Reason: store_unavailable\r\n"))
        #expect(deny.hasSuffix("\r\nCache-Control: no-store\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        #expect(!deny.contains("Content-Type"))
    }
}
