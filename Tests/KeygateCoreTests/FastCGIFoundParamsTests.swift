import Testing

@testable import KeygateCore

struct FastCGIFoundParamsTests {
    typealias Name = AuthRequest.FastCGIName

    @Test func everyNameStartsAbsent() {
        let found = AuthRequest.FoundParams()
        #expect(Name.allCases.map { found[$0] } == Array(repeating: -1, count: 19))
    }

    @Test func eachNameHasItsOwnSlotAndNothingElse() {
        // One Int per name, no more: the value holds exactly the named slots.
        #expect(MemoryLayout<AuthRequest.FoundParams>.size == Name.allCases.count * MemoryLayout<Int>.size)
        var found = AuthRequest.FoundParams()
        for (index, name) in Name.allCases.enumerated() { found[name] = 100 + index }
        // Every name reads back its own value: no two names share a slot.
        #expect(Name.allCases.map { found[$0] } == Array(100..<119))
        found[.keygateCost] = 7
        #expect(Name.allCases.map { found[$0] } == Array(100..<113) + [7] + Array(114..<119))
    }

    @Test(
        arguments: [
            (Name.requestURI, \AuthRequest.FoundParams.requestURI), (.scriptName, \.scriptName),
            (.pathInfo, \.pathInfo),
            (.queryString, \.queryString), (.httpAuthorization, \.httpAuthorization), (.httpXAPIKey, \.httpXAPIKey),
            (.requestMethod, \.requestMethod), (.remoteAddr, \.remoteAddr), (.httpXForwardedFor, \.httpXForwardedFor),
            (.httpOrigin, \.httpOrigin), (.keygateScope, \.keygateScope),
            (.redirectKeygateScope, \.redirectKeygateScope),
            (.fcgiApacheRole, \.fcgiApacheRole), (.keygateCost, \.keygateCost),
            (.redirectKeygateCost, \.redirectKeygateCost), (.keygateDenyStatus, \.keygateDenyStatus),
            (.keygateDryRun, \.keygateDryRun), (.redirectStatus, \.redirectStatus),
            (.httpXRequestID, \.httpXRequestID),
        ] as [(Name, any KeyPath<AuthRequest.FoundParams, Int> & Sendable)])
    func theSubscriptReachesTheNamedSlot(name: Name, slot: any KeyPath<AuthRequest.FoundParams, Int> & Sendable) {
        var found = AuthRequest.FoundParams()
        found[name] = 42
        #expect(found[keyPath: slot] == 42)
        #expect(Name.allCases.filter { found[$0] == 42 } == [name])
    }

    @Test func theFirstPairOfANameWinsAndOthersAreIgnored() {
        let request = FastCGIRequest(
            requestID: 1, role: .responder, keepConnection: false,
            params: FastCGIParams([
                ("KEYGATE_COST", "5"), ("REQUEST_URI", "/a"), ("KEYGATE_COST", "9"), ("X_UNKNOWN", "1"),
                ("REQUEST_URI", "/b"),
            ]))
        let auth = AuthRequest(fastCGI: request)
        #expect(auth.cost == 5)
        #expect(auth.uri == "/a")
    }

    @Test func theRequestIDComesFromHTTPXRequestID() {
        let request = FastCGIRequest(
            requestID: 1, role: .responder, keepConnection: false,
            params: FastCGIParams([("HTTP_X_REQUEST_ID", "7c1e"), ("REQUEST_URI", "/a")]))
        #expect(AuthRequest(fastCGI: request).requestID == "7c1e")
        let without = FastCGIRequest(
            requestID: 1, role: .responder, keepConnection: false, params: FastCGIParams([("REQUEST_URI", "/a")]))
        #expect(AuthRequest(fastCGI: without).requestID == nil)
    }
}
