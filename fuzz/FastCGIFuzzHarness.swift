// libFuzzer entry point for the FastCGI codec and the request mapping; built by fastcgi.sh together with every source
// of KeygateCore (it has no dependencies) and KeygateTesting's client side (FastCGI decoder, CGI response parser),
// which reads the answers back. The first input byte chooses how the rest is cut; the rest is the stream a front end
// sends. Traps (and so reports) on a crash, on output that is not well-formed FastCGI, on an answer larger than its
// bound, and when anything the connection did depends on where the stream was cut.

/// Proxies whose `X-Forwarded-For` the fuzzed gate believes, so that the walk over hops is exercised.
let trustedProxies = ["127.0.0.0/8", "10.0.0.0/8", "::1/128"].map { CIDR($0)! }

/// The policy answers are rendered with; the query parameter is set so that key extraction reads the URI too.
let gatePolicy = GatePolicy(queryParameter: "api_key", trustedProxies: trustedProxies)

/// The key every well-formed candidate is judged against, with every restriction the decider checks.
let fuzzKey = KeyRecord(
    id: "kid_fuzz", slot: 1, displayPrefix: "kg_fuzz", name: "fuzz \"key\"", owner: "fuzz",
    scopes: ["reports:*", "write"], createdAtSeconds: 1_700_000_000, allowedNetworks: [CIDR("127.0.0.0/8")!],
    allowedOrigins: ["https://app.example"])

/// Largest STDOUT an answer may carry: the fixed text plus what the request reflects (scopes), with room for escaping.
func answerBound(_ request: AuthRequest) -> Int {
    4096 + 8 * request.requiredScopes.reduce(0) { $0 + $1.utf8.count + 1 }
}

/// Maps one completed request the way the server does, checks the parsers' invariants and appends the answer.
func answer(_ request: FastCGIRequest, output: inout [UInt8]) {
    let auth = AuthRequest(fastCGI: request)
    precondition(!auth.uri.isEmpty, "empty URI")
    for scope in auth.requiredScopes {
        precondition(!scope.isEmpty && !scope.utf8.contains(where: { $0 == 0x20 || $0 == 0x2C || $0 == 0x09 }))
        _ = ScopeSet.isValid(scope)
    }
    let client = ClientAddress.resolve(
        remoteAddress: auth.remoteAddress, forwardedFor: auth.forwardedFor, trustedProxies: trustedProxies)
    if auth.remoteAddress.flatMap({ IPAddress($0) }) == nil { precondition(client == nil) }
    let plain = KeyExtraction.extract(from: auth, queryParameter: nil)
    let extraction = KeyExtraction.extract(from: auth, queryParameter: gatePolicy.queryParameter)
    var match: SecretMatch? = nil
    let decision: Decision
    switch extraction {
    case .missing:
        precondition(plain == .missing)
        decision = Decision(.missing, requiredScopes: auth.requiredScopes)
    case .malformed:
        decision = Decision(.malformed, requiredScopes: auth.requiredScopes)
    case .candidate(let key):
        precondition(key.utf8.count <= KeyExtraction.maxCandidateBytes && APIKeyFormat.isWellFormed(key))
        if case .candidate(let other) = plain { precondition(other == key) }
        match = SecretMatch(key: fuzzKey)
        decision = Decider.judge(match, request: auth, clientAddress: client, nowSeconds: 1_800_000_000)
    }
    let rendered = AuthAnswer(decision, profile: auth.profile, policy: gatePolicy)
    let stream = rendered.cgiStream()
    precondition(stream.count <= answerBound(auth), "answer larger than its bound")
    let parsed = CGIResponse(parsing: stream)
    precondition(parsed?.status == rendered.status, "CGI head does not parse back to its status")
    FastCGIResponseWriter.append(rendered, requestID: request.requestID, to: &output)
}

/// Everything a connection did with one stream.
struct Served: Equatable {
    var requests: [FastCGIRequest] = []
    var output: [UInt8] = []
    var error: FastCGIError?
    var progress = ProtocolProgress.betweenRequests
}

/// Feeds `bytes` to a fresh connection in the pieces that `cuts` (ascending offsets) make.
func serve(_ bytes: UnsafeRawBufferPointer, cuts: some Sequence<Int>) -> Served {
    var connection = FastCGIConnection()
    var served = Served()
    var start = 0
    for end in cuts where end > start && end < bytes.count {
        feed(&connection, UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &served)
        start = end
    }
    feed(&connection, UnsafeRawBufferPointer(rebasing: bytes[start...]), into: &served)
    precondition(connection.bufferedByteCount <= FastCGIConnection.maxManagementContentBytes + 16)
    served.progress = connection.progress
    return served
}

func feed(_ connection: inout FastCGIConnection, _ piece: UnsafeRawBufferPointer, into served: inout Served) {
    do {
        try connection.consume(piece, output: &served.output) { request, output in
            served.requests.append(request)
            answer(request, output: &output)
        }
    } catch {
        precondition(served.error == nil, "a connection threw twice")
        served.error = error
    }
}

/// Decodes what the connection wrote as a client would; every record must be complete and every request answered.
func checkOutput(_ served: Served, inputCount: Int) {
    var decoder = FastCGIClientDecoder()
    let answers: [FastCGIAnswer]
    do {
        answers = try decoder.consume(served.output)
    } catch {
        preconditionFailure("output is not well-formed FastCGI: \(error)")
    }
    precondition(decoder.bufferedByteCount == 0 && decoder.pendingRequestIDs.isEmpty, "output ends mid-record")
    var answered = 0
    for case .response(let id, let stdout, let stderr, _, let protocolStatus) in answers where !stdout.isEmpty {
        precondition(stderr.isEmpty && protocolStatus == FastCGIProtocolStatus.requestComplete.rawValue)
        precondition(id == served.requests[answered].requestID, "answers out of order")
        precondition(CGIResponse(parsing: stdout) != nil, "answer is not a CGI response")
        answered += 1
    }
    precondition(answered == served.requests.count, "a request was not answered")
    // Every other reply (UNKNOWN_TYPE, GET_VALUES_RESULT, END_REQUEST) answers a record of at least 8 input bytes.
    precondition(answers.count - answered <= inputCount / 8, "more replies than records")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = Int(data[0])
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let count = bytes.count
    let whole = serve(bytes, cuts: [])
    checkOutput(whole, inputCount: count)
    if whole.error != nil { precondition(whole.progress == .finished, "an error left the connection open") }
    // One cut at a fuzzer-chosen place, then pieces of a fuzzer-chosen size (1 to 64 bytes).
    precondition(serve(bytes, cuts: [control * count / 256]) == whole, "outcome depends on the cut")
    let step = control % 64 + 1
    precondition(serve(bytes, cuts: stride(from: step, to: count, by: step)) == whole, "outcome depends on the cuts")
    return 0
}
