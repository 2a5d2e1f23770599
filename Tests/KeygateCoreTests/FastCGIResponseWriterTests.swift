import KeygateCore
import KeygateTesting
import Testing

struct FastCGIResponseWriterTests {
    /// One record as found on the wire.
    struct Record: Equatable {
        var type: UInt8
        var requestID: UInt16
        var content: [UInt8]
        var paddingLength: Int
    }

    /// Splits `bytes` into records, checking the version and that nothing is left over.
    static func records(_ bytes: [UInt8]) throws -> [Record] {
        var records: [Record] = []
        var offset = 0
        while offset < bytes.count {
            try #require(bytes.count - offset >= 8)
            #expect(bytes[offset] == 1)
            let contentLength = Int(bytes[offset + 4]) << 8 | Int(bytes[offset + 5])
            let paddingLength = Int(bytes[offset + 6])
            let end = offset + 8 + contentLength + paddingLength
            try #require(end <= bytes.count)
            #expect(bytes[(offset + 8 + contentLength)..<end].allSatisfy { $0 == 0 })
            records.append(
                Record(
                    type: bytes[offset + 1], requestID: UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3]),
                    content: Array(bytes[(offset + 8)..<(offset + 8 + contentLength)]), paddingLength: paddingLength))
            offset = end
        }
        return records
    }

    @Test func smallResponseIsExact() throws {
        var output: [UInt8] = [0xAA]  // appends, never replaces
        let head = Array("Status: 204\r\n\r\n".utf8)  // 15 bytes: one byte of padding
        FastCGIResponseWriter.appendResponse(requestID: 0x0102, head: head, body: [UInt8](), to: &output)
        #expect(
            output
                == [0xAA] + [1, 6, 1, 2, 0, 15, 1, 0] + head + [0] + [1, 6, 1, 2, 0, 0, 0, 0]
                + [1, 3, 1, 2, 0, 8, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func bodyOf70000BytesTakesTwoStdoutRecords() throws {
        var output: [UInt8] = []
        let head = "Status: 200\r\nContent-Type: text/plain\r\n\r\n"
        let body = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        FastCGIResponseWriter.appendResponse(requestID: 1, head: head.utf8, body: body, to: &output)
        let records = try Self.records(output)
        #expect(records.map(\.type) == [6, 6, 6, 3])
        #expect(records.map(\.content.count) == [65_535, head.utf8.count + 70_000 - 65_535, 0, 8])
        #expect(records[0].content.prefix(head.utf8.count).elementsEqual(head.utf8))
        #expect(records[0].content + records[1].content == Array(head.utf8) + body)
        for record in records {
            #expect((record.content.count + record.paddingLength) % 8 == 0)
        }
        #expect(output.count % 8 == 0)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 65_534, 65_535, 65_536, 131_070, 131_071])
    func everyLengthRoundTripsAligned(bodyCount: Int) throws {
        var output: [UInt8] = []
        let head = Array("Status: 200\r\n\r\n".utf8)
        let body = [UInt8](repeating: 0x5A, count: bodyCount)
        FastCGIResponseWriter.appendResponse(requestID: 7, head: head, body: body, to: &output)
        #expect(output.count % 8 == 0)
        let records = try Self.records(output)
        #expect(records.allSatisfy { $0.content.count <= 65_535 && $0.requestID == 7 })
        #expect(records.dropLast(2).allSatisfy { $0.type == 6 && !$0.content.isEmpty })
        var decoder = FastCGIClientDecoder()
        #expect(
            try decoder.consume(output) == [
                .response(requestID: 7, stdout: head + body, stderr: [], appStatus: 0, protocolStatus: 0)
            ])
    }

    @Test func emptyHeadAndBodyGiveOnlyTheTerminators() throws {
        var output: [UInt8] = []
        FastCGIResponseWriter.appendResponse(requestID: 1, head: [UInt8](), body: [UInt8](), to: &output)
        #expect(try Self.records(output).map(\.type) == [6, 3])
        #expect(output.count == 24)
    }

    @Test func headAndBodyMayBeAnyCollection() throws {
        var fromArrays: [UInt8] = []
        var fromViews: [UInt8] = []
        FastCGIResponseWriter.appendResponse(
            requestID: 1, head: Array("Status: 401\r\n\r\n".utf8), body: Array("{}".utf8), to: &fromArrays)
        FastCGIResponseWriter.appendResponse(
            requestID: 1, head: "Status: 401\r\n\r\n".utf8, body: [UInt8]("x{}".utf8).dropFirst(), to: &fromViews)
        #expect(fromArrays == fromViews)
    }

    @Test(arguments: FastCGIProtocolStatus.allCases)
    func endRequestIsExact(status: FastCGIProtocolStatus) {
        var output: [UInt8] = []
        FastCGIResponseWriter.appendEndRequest(
            requestID: 0xFFFE, appStatus: 0x0102_0304, protocolStatus: status, to: &output)
        #expect(output == [1, 3, 0xFF, 0xFE, 0, 8, 0, 0, 1, 2, 3, 4, status.rawValue, 0, 0, 0])
    }
}
