import Testing

@testable import KeygateCore

struct CGIEnvironmentTests {
    @Test func theEnvironmentMapsAsTheSameFastCGIParamsWould() throws {
        let environment = [
            "GATEWAY_INTERFACE=CGI/1.1", "HTTP_AUTHORIZATION=Bearer kg_x=y", "REQUEST_METHOD=POST",
            "SCRIPT_NAME=/cgi-bin/keygate", "PATH_INFO=/api/reports", "QUERY_STRING=a=1", "REMOTE_ADDR=192.0.2.7",
            "KEYGATE_SCOPE=reports:read", "KEYGATE_COST=3", "NOT_AN_ENTRY",
        ]
        let request = try CGIEnvironment.request(environment, limits: FastCGILimits())
        #expect(request.role == .responder)
        #expect(!request.keepConnection)
        let pairs = environment.filter { $0.contains("=") }.map { entry in
            let equals = entry.firstIndex(of: "=")!
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
        let fromFastCGI = AuthRequest(
            fastCGI: FastCGIRequest(requestID: 1, role: .responder, keepConnection: false, params: FastCGIParams(pairs))
        )
        let fromCGI = AuthRequest(fastCGI: request)
        #expect(fromCGI == fromFastCGI)
        // The value keeps every `=` after the first; the URI is SCRIPT_NAME + PATH_INFO + ? + QUERY_STRING.
        #expect(fromCGI.authorization == "Bearer kg_x=y")
        #expect(fromCGI.uri == "/cgi-bin/keygate/api/reports?a=1")
        #expect(fromCGI.method == "POST")
        #expect(fromCGI.remoteAddress == "192.0.2.7")
        #expect(fromCGI.requiredScopes == ["reports:read"])
        #expect(fromCGI.cost == 3)
        #expect(fromCGI.profile == .fastCGI(.nginx))
    }

    @Test func theBoundsOfAPARAMSStreamApply() throws {
        let limits = FastCGILimits(maxParamsBytes: 100, maxParamCount: 3)
        // Two 1-byte length prefixes, a 1-byte name and a 97-byte value: exactly at the bound.
        _ = try CGIEnvironment.request(["A=" + String(repeating: "v", count: 97)], limits: limits)
        #expect(throws: FastCGIError.paramsTooLarge(limit: 100)) {
            try CGIEnvironment.request(["A=" + String(repeating: "v", count: 98)], limits: limits)
        }
        #expect(throws: FastCGIError.tooManyParams(limit: 3)) {
            try CGIEnvironment.request(["A=1", "B=2", "C=3", "D=4"], limits: limits)
        }
    }
}

struct StartModeTests {
    @Test(
        arguments: [
            // arguments, listening socket on fd 0, GATEWAY_INTERFACE, mode
            (0, true, nil, StartMode.fastCGI),
            (0, true, "CGI/1.1", .fastCGI),  // mod_fcgid starts its FastCGI copies with a CGI environment too
            (0, false, "CGI/1.1", .cgi),
            (0, false, "", .cgi),
            (0, false, nil, .commandLine),
            (1, true, "CGI/1.1", .commandLine),
            (2, false, "CGI/1.1", .commandLine),
        ] as [(Int, Bool, String?, StartMode)])
    func resolves(argumentCount: Int, listening: Bool, gatewayInterface: String?, mode: StartMode) {
        #expect(
            StartMode.resolving(
                argumentCount: argumentCount, standardInputIsListeningSocket: listening,
                gatewayInterface: gatewayInterface) == mode)
    }
}
