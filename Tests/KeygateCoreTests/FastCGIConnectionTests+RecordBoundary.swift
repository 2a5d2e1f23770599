import KeygateCore
import KeygateTesting
import Testing

extension FastCGIConnectionTests {
    /// The server times a request from its first byte: it must know after every byte whether a record is under way.
    @Test func recordBoundaryIsKnownAfterEveryByte() throws {
        let stream =
            T.request(keepConnection: true, padding: 3) + FastCGIClientEncoder.stdin(id: 1, Array("body".utf8))
            + FastCGIClientEncoder.emptyStdin(id: 1) + FastCGIClientEncoder.getValues(["FCGI_MAX_CONNS"])
            + T.request(id: 2, keepConnection: true)
        var ends: Set<Int> = []
        var offset = 0
        while offset < stream.count {
            let contentLength = Int(stream[offset + 4]) << 8 | Int(stream[offset + 5])
            offset += 8 + contentLength + Int(stream[offset + 6])
            ends.insert(offset)
        }
        #expect(ends.count == 11)
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        var requests = 0
        #expect(connection.isAtRecordBoundary)
        for (index, byte) in stream.enumerated() {
            let error = T.feed([byte], to: &connection, output: &output) { request, output in
                requests += 1
                T.respond(to: request, output: &output)
            }
            #expect(error == nil)
            #expect(connection.isAtRecordBoundary == ends.contains(index + 1), "after byte \(index + 1)")
        }
        #expect(requests == 2)
    }

    /// A management record partly received is mid-request too, so a trickled GET_VALUES cannot dodge the deadline.
    @Test func aPartialManagementRecordIsMidRequest() {
        let values = FastCGIClientEncoder.getValues(["FCGI_MAX_CONNS"])
        var connection = FastCGIConnection()
        var output: [UInt8] = []
        #expect(connection.progress == .betweenRequests)
        _ = T.feed(Array(values.prefix(3)), to: &connection, output: &output) { _, _ in }
        #expect(connection.progress == .midRequest)
        _ = T.feed(Array(values.dropFirst(3)), to: &connection, output: &output) { _, _ in }
        #expect(connection.progress == .betweenRequests)
        #expect(!output.isEmpty)
    }
}
