import KeygateCore
import KeygateTesting
import Testing

struct FastCGIClientDecoderTests {
    static let serverOutput: [UInt8] = {
        var output: [UInt8] = []
        output += FastCGIClientEncoder.record(type: 7, id: 2, content: Array("warn".utf8), padding: 4)
        FastCGIResponseWriter.appendResponse(
            requestID: 1, head: "Status: 429\r\nRetry-After: 17\r\n\r\n".utf8, body: "{}".utf8, to: &output)
        output += FastCGIClientEncoder.record(
            type: 10, id: 0, content: FastCGIClientEncoder.nameValuePairs([("A", "1")]))
        output += FastCGIClientEncoder.record(type: 11, id: 0, content: [42, 0, 0, 0, 0, 0, 0, 0])
        FastCGIResponseWriter.appendEndRequest(requestID: 2, appStatus: 9, protocolStatus: .overloaded, to: &output)
        return output
    }()

    static let expected: [FastCGIAnswer] = [
        .response(
            requestID: 1, stdout: Array("Status: 429\r\nRetry-After: 17\r\n\r\n{}".utf8), stderr: [], appStatus: 0,
            protocolStatus: 0),
        .values(["A": "1"]),
        .unknownType(42),
        .response(requestID: 2, stdout: [], stderr: Array("warn".utf8), appStatus: 9, protocolStatus: 2),
    ]

    @Test func decodesEveryKindOfAnswer() throws {
        var decoder = FastCGIClientDecoder()
        #expect(try decoder.consume(Self.serverOutput) == Self.expected)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.pendingRequestIDs.isEmpty)
    }

    @Test func decodesIncrementally() throws {
        var decoder = FastCGIClientDecoder()
        var answers: [FastCGIAnswer] = []
        for byte in Self.serverOutput {
            answers += try decoder.consume([byte])
        }
        #expect(answers == Self.expected)
    }

    @Test func incompleteRecordsWait() throws {
        var decoder = FastCGIClientDecoder()
        #expect(try decoder.consume(Array(Self.serverOutput.prefix(21))) == [])
        #expect(decoder.bufferedByteCount == 5)  // the STDERR record (8 + 4 + 4 padding) was complete
        #expect(decoder.pendingRequestIDs == [2])
    }

    @Test func badVersionIsAnError() {
        var decoder = FastCGIClientDecoder()
        #expect(throws: FastCGIError.unsupportedVersion(2)) {
            try decoder.consume(FastCGIClientEncoder.record(type: 6, id: 1, content: [], version: 2))
        }
    }

    @Test(arguments: [1, 2, 4, 5, 8, 9, 0, 12] as [UInt8])
    func recordsOnlyClientsSendAreErrors(type: UInt8) {
        var decoder = FastCGIClientDecoder()
        #expect(throws: FastCGIError.unexpectedRecord(type: type, requestID: 1)) {
            try decoder.consume(FastCGIClientEncoder.record(type: type, id: 1, content: []))
        }
    }

    @Test(arguments: [3, 11] as [UInt8])
    func fixedSizeRecordsOfTheWrongSizeAreErrors(type: UInt8) {
        var decoder = FastCGIClientDecoder()
        #expect(throws: FastCGIError.malformedRecord(type: type, contentLength: 7)) {
            try decoder.consume(FastCGIClientEncoder.record(type: type, id: 1, content: [0, 0, 0, 0, 0, 0, 0]))
        }
    }

    @Test func malformedValuesAreAnError() {
        var decoder = FastCGIClientDecoder()
        #expect(throws: FastCGIError.malformedNameValuePair) {
            try decoder.consume(FastCGIClientEncoder.record(type: 10, id: 0, content: [3, 3, 65]))
        }
    }
}
