import KeygateCore
import KeygateTesting
import Testing

struct FastCGIConnectionTests {
    typealias T = FastCGITesting
    static let feedings: [T.Feeding] = [.whole, .byteByByte, .random(seed: 1), .random(seed: 2), .random(seed: 99)]

    // MARK: Round trips

    @Test(arguments: Self.feedings)
    func nginxResponderRoundTrip(feeding: T.Feeding) throws {
        let outcome = T.serve(T.request(T.nginxParams), feeding: feeding)
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(outcome.requests.count == 1)
        #expect(request.requestID == 1)
        #expect(request.role == .responder)
        #expect(request.keepConnection == false)
        #expect(T.pairs(request.params) == T.pairs(T.nginxParams))
        #expect(request.params["HTTP_X_API_KEY"] == "kg_AbC123secretsecretsecret")
        #expect(request.params["CONTENT_LENGTH"] == "11")
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: T.nginxParams.count)])
        #expect(outcome.wantsClose)
        #expect(!outcome.isMidRequest)
        #expect(outcome.output.count % 8 == 0)
    }

    @Test(arguments: Self.feedings)
    func apacheAuthorizerWithoutStdinIsAnsweredAtOnce(feeding: T.Feeding) throws {
        let outcome = T.serve(T.request(role: 2, T.apacheParams, stdin: false), feeding: feeding)
        let request = try #require(outcome.requests.first)
        #expect(request.role == .authorizer)
        #expect(request.params["FCGI_APACHE_ROLE"] == "ACCESS_CHECKER")
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: T.apacheParams.count)])
        #expect(outcome.wantsClose)
    }

    @Test func decodedResponseParsesAsCGI() throws {
        let outcome = T.serve(T.request())
        guard case .response(_, let stdout, _, _, _) = try #require(try T.answers(outcome.output).first) else {
            Issue.record("not a response")
            return
        }
        let response = try #require(CGIResponse(parsing: stdout))
        #expect(response.status == 204)
        #expect(response.header("x-param-count") == "\(T.nginxParams.count)")
        #expect(response.body == Array("ok".utf8))
    }

    @Test func requestWithNoParamsIsAnswered() throws {
        let outcome = T.serve(T.request([]))
        let request = try #require(outcome.requests.first)
        #expect(request.params.count == 0)
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 0)])
    }

    @Test func requestIDIsEchoed() throws {
        let outcome = T.serve(T.request(id: 0xBEEF, [("A", "b")]))
        #expect(outcome.requests.map(\.requestID) == [0xBEEF])
        #expect(try T.answers(outcome.output) == [T.answered(id: 0xBEEF, paramCount: 1)])
    }

    // MARK: Splits

    /// One stream exercising most rules at once; every way of cutting it must give the same result.
    static let mixedStream: [UInt8] =
        FastCGIClientEncoder.getValues(["FCGI_MAX_CONNS", "FCGI_NOPE"])
        + FastCGIClientEncoder.record(type: 42, id: 0, content: [1, 2, 3], padding: 5)
        + FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: true)
        + FastCGIClientEncoder.stdin(id: 1, Array(repeating: 7, count: 20))
        + FastCGIClientEncoder.beginRequest(id: 2, role: 1, keepConnection: false)
        + FastCGIClientEncoder.params(
            id: 1, T.nginxParams + [("LONG", String(repeating: "v", count: 300))],
            maxRecordContent: 37, padding: 3)
        + FastCGIClientEncoder.emptyStdin(id: 1)
        + T.request(id: 3, role: 3, keepConnection: true)
        + T.request(id: 1, role: 2, keepConnection: true, T.apacheParams, padding: 255, stdin: false)
        + FastCGIClientEncoder.beginRequest(id: 4, role: 1, keepConnection: true)
        + FastCGIClientEncoder.abortRequest(id: 4)
        + T.request(id: 5, [("K", "v")])
        + T.request(id: 6, [("IGNORED", "after close")])

    @Test(arguments: Self.feedings + (3...12).map { T.Feeding.random(seed: UInt64($0)) })
    func everySplitGivesTheSameResult(feeding: T.Feeding) throws {
        let expected = T.serve(Self.mixedStream, feeding: .whole)
        #expect(expected.error == nil)
        #expect(expected.requests.map(\.requestID) == [1, 1, 5])
        #expect(
            try T.answers(expected.output) == [
                .values(["FCGI_MAX_CONNS": "1024"]),
                .unknownType(42),
                T.ended(id: 2, .cantMultiplexConnection),
                T.answered(id: 1, paramCount: T.nginxParams.count + 1),
                T.ended(id: 3, .unknownRole),
                T.answered(id: 1, paramCount: T.apacheParams.count),
                T.ended(id: 4, .requestComplete),
                T.answered(id: 5, paramCount: 1),
            ])
        #expect(expected.wantsClose)
        #expect(T.serve(Self.mixedStream, feeding: feeding) == expected)
    }

    // MARK: Padding and lengths

    @Test(arguments: [0, 1, 7, 8, 255] as [UInt8])
    func paddingIsSkipped(padding: UInt8) throws {
        for feeding in Self.feedings {
            let stream =
                FastCGIClientEncoder.record(type: 1, id: 1, content: [0, 1, 0, 0, 0, 0, 0, 0], padding: padding)
                + FastCGIClientEncoder.params(id: 1, T.nginxParams, maxRecordContent: 50, padding: padding)
                + FastCGIClientEncoder.record(type: 5, id: 1, content: [1, 2, 3], padding: padding)
            let outcome = T.serve(stream, feeding: feeding)
            #expect(outcome.error == nil)
            #expect(T.pairs(try #require(outcome.requests.first).params) == T.pairs(T.nginxParams))
        }
    }

    @Test func valueOf200BytesUsesFourByteLength() throws {
        let value = String(repeating: "x", count: 200)
        let outcome = T.serve(T.request([("SHORT", "1"), ("LONG_VALUE", value), ("AFTER", "2")]))
        let params = try #require(outcome.requests.first).params
        #expect(params["LONG_VALUE"] == value)
        #expect(params["AFTER"] == "2")
    }

    @Test func longNameUsesFourByteLength() throws {
        let name = "HTTP_" + String(repeating: "N", count: 150)
        let outcome = T.serve(T.request([(name, "v")]))
        #expect(try #require(outcome.requests.first).params[name] == "v")
    }

    @Test func valueOf70000BytesExceedsTheDefaultLimit() {
        let outcome = T.serve(T.request([("BIG", String(repeating: "b", count: 70_000))], maxRecordContent: 65_535))
        #expect(outcome.error == .paramsTooLarge(limit: 65_536))
        #expect(outcome.requests.isEmpty)
        #expect(outcome.wantsClose)
    }

    @Test(arguments: [Self.feedings[0], Self.feedings[2]])
    func valueOf70000BytesFitsARaisedLimit(feeding: T.Feeding) throws {
        let value = String(repeating: "b", count: 70_000)
        let outcome = T.serve(
            T.request([("A", "1"), ("BIG", value), ("Z", "2")]), feeding: feeding,
            limits: FastCGILimits(maxParamsBytes: 100_000))
        let params = try #require(outcome.requests.first).params
        #expect(params["BIG"] == value)
        #expect(params["Z"] == "2")
        #expect(params.count == 3)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64, 127, 128, 129])
    func pairsMayStraddleRecords(maxRecordContent: Int) throws {
        let pairs = T.nginxParams + [("LONG", String(repeating: "z", count: 200))]
        let outcome = T.serve(T.request(pairs, maxRecordContent: maxRecordContent))
        #expect(outcome.error == nil)
        #expect(T.pairs(try #require(outcome.requests.first).params) == T.pairs(pairs))
    }

    // MARK: Management records

    @Test func getValuesAnswersKnownNamesOnly() throws {
        let limits = FastCGILimits(maxConnections: 64, maxRequests: 32)
        let stream = FastCGIClientEncoder.getValues(
            ["FCGI_MAX_CONNS", "FCGI_UNKNOWN", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS", "FCGI_MAX_CONNS"])
        let outcome = T.serve(stream, limits: limits)
        #expect(outcome.error == nil)
        #expect(
            try T.answers(outcome.output) == [
                .values(["FCGI_MAX_CONNS": "64", "FCGI_MAX_REQS": "32", "FCGI_MPXS_CONNS": "0"])
            ])
        #expect(!outcome.wantsClose)
        #expect(outcome.output.count % 8 == 0)
    }

    @Test func getValuesWithOnlyUnknownNamesAnswersEmpty() throws {
        let outcome = T.serve(
            FastCGIClientEncoder.getValues(["X", "FCGI_max_conns"]) + FastCGIClientEncoder.getValues([]))
        #expect(try T.answers(outcome.output) == [.values([:]), .values([:])])
    }

    @Test func getValuesKeepsTheConnectionUsable() throws {
        let stream = FastCGIClientEncoder.getValues(["FCGI_MPXS_CONNS"]) + T.request([("A", "b")])
        let outcome = T.serve(stream)
        #expect(try T.answers(outcome.output) == [.values(["FCGI_MPXS_CONNS": "0"]), T.answered(id: 1, paramCount: 1)])
    }

    @Test func oversizedGetValuesIsAnError() {
        let names = (0..<400).map { "FCGI_NAME_\($0)" }
        let contentLength = FastCGIClientEncoder.nameValuePairs(names.map { ($0, "") }).count
        #expect(contentLength > FastCGIConnection.maxManagementContentBytes)
        let outcome = T.serve(FastCGIClientEncoder.getValues(names))
        #expect(outcome.error == .managementRecordTooLarge(contentLength: contentLength))
    }

    @Test func malformedGetValuesIsAnError() {
        let outcome = T.serve(FastCGIClientEncoder.record(type: 9, id: 0, content: [5, 0, 65]))
        #expect(outcome.error == .malformedNameValuePair)
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 200, 255] as [UInt8])
    func otherManagementTypesGetUnknownType(type: UInt8) throws {
        let stream = FastCGIClientEncoder.record(type: type, id: 0, content: [9, 9, 9], padding: 2)
        let outcome = T.serve(stream, feeding: .byteByByte)
        #expect(outcome.error == nil)
        #expect(try T.answers(outcome.output) == [.unknownType(type)])
        let unknownType = Array(outcome.output[8...])
        #expect(unknownType == [type, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(outcome.output[0..<8]) == [1, 11, 0, 0, 0, 8, 0, 0])
    }

    // MARK: Roles

    @Test(arguments: [0, 3, 7, 0xFFFF] as [UInt16])
    func otherRolesAreRejectedWithUnknownRole(role: UInt16) throws {
        let outcome = T.serve(T.request(id: 9, role: role, [("A", "b")]))
        #expect(outcome.error == nil)
        #expect(outcome.requests.isEmpty)
        #expect(try T.answers(outcome.output) == [T.ended(id: 9, .unknownRole)])
        #expect(outcome.wantsClose)
    }

    @Test func rejectedRoleWithKeepConnectionLeavesTheConnectionOpen() throws {
        let stream = T.request(id: 1, role: 3, keepConnection: true, [("A", "b")]) + T.request(id: 1, [("C", "d")])
        let outcome = T.serve(stream)
        #expect(outcome.requests.map { T.pairs($0.params) } == [["C=d"]])
        #expect(try T.answers(outcome.output) == [T.ended(id: 1, .unknownRole), T.answered(id: 1, paramCount: 1)])
    }

    // MARK: Multiplexing

    @Test func secondRequestIDGetsCantMultiplex() throws {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.params(id: 1, [("A", "1")], maxRecordContent: 2).dropLast(8)  // not ended yet
            + FastCGIClientEncoder.beginRequest(id: 2, role: 1, keepConnection: false)
            + FastCGIClientEncoder.params(id: 2, [("B", "2")])
            + FastCGIClientEncoder.params(id: 1, [("C", "3")])
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        #expect(T.pairs(try #require(outcome.requests.first).params) == ["A=1", "C=3"])
        #expect(
            try T.answers(outcome.output) == [
                T.ended(id: 2, .cantMultiplexConnection), T.answered(id: 1, paramCount: 2),
            ])
        #expect(outcome.wantsClose)
    }

    @Test func sameRequestIDWhileMidRequestIsAnError() {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
        let outcome = T.serve(stream)
        #expect(outcome.error == .duplicateBeginRequest(requestID: 1))
        #expect(outcome.wantsClose)
    }

    // MARK: Abort

    @Test(arguments: [false, true])
    func abortEndsTheActiveRequest(keepConnection: Bool) throws {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 3, role: 1, keepConnection: keepConnection)
            + FastCGIClientEncoder.params(id: 3, [("A", "1")]).dropLast(8)
            + FastCGIClientEncoder.abortRequest(id: 3)
            + FastCGIClientEncoder.params(id: 3, [])  // the id is no longer active: ignored
            + T.request(id: 4, [("B", "2")])
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        let expected: [FastCGIAnswer] =
            keepConnection
            ? [T.ended(id: 3, .requestComplete), T.answered(id: 4, paramCount: 1)]
            : [T.ended(id: 3, .requestComplete)]
        #expect(try T.answers(outcome.output) == expected)
        #expect(outcome.requests.map(\.requestID) == (keepConnection ? [4] : []))
        #expect(outcome.wantsClose)
    }

    @Test func abortForAnInactiveIDIsIgnored() throws {
        let stream =
            FastCGIClientEncoder.abortRequest(id: 1)
            + FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.abortRequest(id: 2)
            + FastCGIClientEncoder.params(id: 1, [("A", "1")])
            + FastCGIClientEncoder.abortRequest(id: 1)  // already answered
        let outcome = T.serve(stream)
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 1)])
    }

    // MARK: Keep-alive

    @Test(arguments: Self.feedings)
    func keepConnectionServesSeveralRequests(feeding: T.Feeding) throws {
        let stream =
            T.request(id: 1, keepConnection: true, [("N", "1")])
            + T.request(id: 1, keepConnection: true, [("N", "2"), ("M", "x")])
            + T.request(id: 2, keepConnection: true, [])
        let outcome = T.serve(stream, feeding: feeding)
        #expect(outcome.requests.map { $0.params["N"] } == ["1", "2", nil])
        #expect(
            try T.answers(outcome.output) == [
                T.answered(id: 1, paramCount: 1), T.answered(id: 1, paramCount: 2), T.answered(id: 2, paramCount: 0),
            ])
        #expect(!outcome.wantsClose)
        #expect(!outcome.isMidRequest)
    }

    @Test func withoutKeepConnectionLaterInputIsIgnored() throws {
        let stream =
            T.request(id: 1, keepConnection: false, [("N", "1")])
            + T.request(id: 2, keepConnection: true, [("N", "2")])
            + [2, 2, 2, 2, 2, 2, 2, 2]  // garbage (version 2) after the close point is not even looked at
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.requestID) == [1])
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 1)])
        #expect(outcome.wantsClose)
    }

    @Test func inputAfterWantsCloseIsIgnoredAcrossCalls() throws {
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        var count = 0
        let first = T.feed(T.request([("A", "b")]), to: &connection, output: &output) { request, output in
            count += 1
            T.respond(to: request, output: &output)
        }
        #expect(first == nil)
        #expect(connection.progress == .finished)
        let before = output
        let second = T.feed([9, 9, 9] + T.request([("A", "b")]), to: &connection, output: &output) { _, _ in
            count += 1
        }
        #expect(second == nil)
        #expect(output == before)
        #expect(count == 1)
    }

    @Test func afterAnErrorTheConnectionWantsCloseAndIgnoresInput() {
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        let error = T.feed([2, 1, 0, 1, 0, 8, 0, 0], to: &connection, output: &output) { _, _ in }
        #expect(error == .unsupportedVersion(2))
        #expect(connection.progress == .finished)
        let again = T.feed(T.request(), to: &connection, output: &output) { _, _ in Issue.record("called") }
        #expect(again == nil)
        #expect(output.isEmpty)
    }

    // MARK: STDIN and other ignored records

    @Test(arguments: Self.feedings)
    func stdinBeforeAndAfterParamsIsIgnored(feeding: T.Feeding) throws {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: true)
            + FastCGIClientEncoder.stdin(id: 1, Array(repeating: 0x41, count: 70_000))
            + FastCGIClientEncoder.record(type: 8, id: 1, content: [1, 2, 3])  // DATA
            + FastCGIClientEncoder.params(id: 1, [("A", "1")])
            + FastCGIClientEncoder.stdin(id: 1, Array(repeating: 0x42, count: 100))
            + FastCGIClientEncoder.emptyStdin(id: 1)
            + FastCGIClientEncoder.stdin(id: 7, [1])
        let outcome = T.serve(stream, feeding: feeding)
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 1)])
        #expect(outcome.maxBufferedByteCount <= 8)
    }

    @Test func strayParamsForAFinishedIDAreIgnored() throws {
        let stream =
            T.request(id: 1, keepConnection: true, [("A", "1")])
            + FastCGIClientEncoder.params(id: 1, [("B", "2")])
            + FastCGIClientEncoder.params(id: 5, [("C", "3")])
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 1)])
        #expect(!outcome.isMidRequest)
    }

    @Test(arguments: [3, 6, 7, 9, 10, 11, 0, 12, 99, 255] as [UInt8])
    func serverTypesAndUnknownTypesForTheActiveIDAreErrors(type: UInt8) {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.record(type: type, id: 1, content: [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(T.serve(stream).error == .unexpectedRecord(type: type, requestID: 1))
    }

    @Test(arguments: [3, 6, 7, 9, 10, 11, 0, 12, 99, 255] as [UInt8])
    func serverTypesAndUnknownTypesForInactiveIDsAreIgnored(type: UInt8) throws {
        let stream =
            FastCGIClientEncoder.record(type: type, id: 2, content: [0, 0, 0, 0, 0, 0, 0, 0])
            + FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.record(type: type, id: 2, content: [1, 2, 3], padding: 1)
            + FastCGIClientEncoder.params(id: 1, [("A", "1")])
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        #expect(try T.answers(outcome.output) == [T.answered(id: 1, paramCount: 1)])
    }

    // MARK: Limits and malformed input

    @Test func paramsTooLargeIsReportedAtTheRecordHeader() {
        var connection = FastCGIConnection(limits: FastCGILimits(maxParamsBytes: 100))
        var output: [UInt8] = []
        let begin = FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
        #expect(T.feed(begin, to: &connection, output: &output) { _, _ in } == nil)
        // 60 bytes fit; the next record's header announces 60 more: an error before its content arrives.
        let first = FastCGIClientEncoder.record(type: 4, id: 1, content: Array(repeating: 0, count: 60))
        #expect(T.feed(first, to: &connection, output: &output) { _, _ in } == nil)
        let secondHeader = Array(first.prefix(8))
        #expect(T.feed(secondHeader, to: &connection, output: &output) { _, _ in } == .paramsTooLarge(limit: 100))
    }

    @Test(arguments: [99, 100, 101])
    func paramsLimitIsInclusive(limit: Int) {
        let encoded = FastCGIClientEncoder.nameValuePairs([("N", String(repeating: "v", count: 97))])
        #expect(encoded.count == 100)
        let outcome = T.serve(
            T.request([("N", String(repeating: "v", count: 97))], maxRecordContent: 9),
            limits: FastCGILimits(maxParamsBytes: limit))
        #expect(outcome.error == (limit < 100 ? .paramsTooLarge(limit: limit) : nil))
        #expect(outcome.requests.count == (limit < 100 ? 0 : 1))
    }

    @Test(arguments: [2, 3, 4])
    func tooManyParamsIsAnError(limit: Int) {
        let outcome = T.serve(
            T.request([("A", "1"), ("B", "2"), ("C", "3")]), limits: FastCGILimits(maxParamCount: limit))
        #expect(outcome.error == (limit < 3 ? .tooManyParams(limit: limit) : nil))
        #expect(outcome.requests.count == (limit < 3 ? 0 : 1))
    }

    @Test(arguments: [0, 2, 3, 255] as [UInt8])
    func badVersionIsAnError(version: UInt8) {
        for stream in [
            FastCGIClientEncoder.record(type: 1, id: 1, content: [0, 1, 0, 0, 0, 0, 0, 0], version: version),
            T.request(keepConnection: true, [("A", "1")])
                + FastCGIClientEncoder.record(type: 9, id: 0, content: [], version: version),
        ] {
            #expect(T.serve(stream, feeding: .byteByByte).error == .unsupportedVersion(version))
        }
    }

    @Test(
        arguments: [
            [0x80], [0x80, 0, 0], [3, 0x80, 0], [5, 1, 65, 66], [1, 2, 65, 66], [0xFF, 0xFF, 0xFF, 0xFF, 0, 0],
        ]
            as [[UInt8]])
    func truncatedPairIsMalformed(content: [UInt8]) {
        let withContent =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.record(type: 4, id: 1, content: content)
            + FastCGIClientEncoder.record(type: 4, id: 1, content: [])
        #expect(T.serve(withContent).error == .malformedNameValuePair)
    }

    @Test func truncatedFourByteLengthAcrossRecordsIsMalformed() {
        // A valid pair, then the first two bytes of a 4-byte length, then the end of the stream.
        let valid = FastCGIClientEncoder.nameValuePairs([("A", "1")])
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.record(type: 4, id: 1, content: valid + [0x80])
            + FastCGIClientEncoder.record(type: 4, id: 1, content: [0x00])
            + FastCGIClientEncoder.record(type: 4, id: 1, content: [])
        #expect(T.serve(stream, feeding: .byteByByte).error == .malformedNameValuePair)
    }

    @Test(arguments: [0, 7, 9, 16])
    func beginRequestOfWrongLengthIsAnError(length: Int) {
        let stream = FastCGIClientEncoder.record(type: 1, id: 1, content: Array(repeating: 0, count: length))
        #expect(T.serve(stream).error == .malformedBeginRequest(contentLength: length))
    }

    // MARK: State

    @Test func progressFollowsTheRequest() {
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        #expect(connection.progress != .midRequest)
        _ = T.feed(
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: true), to: &connection, output: &output
        ) { _, _ in }
        #expect(connection.progress == .midRequest)
        _ = T.feed(FastCGIClientEncoder.params(id: 1, [("A", "1")]), to: &connection, output: &output) { _, _ in }
        #expect(connection.progress == .betweenRequests)
    }

    @Test func bufferedByteCountCountsPartialRecords() {
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        let begin = FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: true)
        _ = T.feed(Array(begin.prefix(5)), to: &connection, output: &output) { _, _ in }
        #expect(connection.bufferedByteCount == 5)
        _ = T.feed(Array(begin[5..<11]), to: &connection, output: &output) { _, _ in }
        #expect(connection.bufferedByteCount == 3)  // three bytes of the BEGIN_REQUEST body
        _ = T.feed(Array(begin[11...]), to: &connection, output: &output) { _, _ in }
        #expect(connection.bufferedByteCount == 0)
        #expect(connection.progress == .midRequest)
        let values = FastCGIClientEncoder.getValues(["FCGI_MAX_CONNS"])
        _ = T.feed(Array(values.dropLast(2)), to: &connection, output: &output) { _, _ in }
        #expect(connection.bufferedByteCount == values.count - 8 - 2)
        #expect(output.isEmpty)
    }

    @Test func limitsAreKept() {
        let limits = FastCGILimits(maxParamsBytes: 1, maxParamCount: 2, maxConnections: 3, maxRequests: 4)
        #expect(FastCGIConnection(limits: limits).limits == limits)
        #expect(
            FastCGILimits()
                == FastCGILimits(maxParamsBytes: 65_536, maxParamCount: 512, maxConnections: 1024, maxRequests: 1024))
    }
}
