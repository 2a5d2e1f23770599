import KeygateCore
import Testing

/// A connection across reads: partial heads, pipelining, keep-alive and close, errors.
struct HTTPConnectionTests {
    typealias T = HTTPTesting

    static func request(_ target: String, _ fields: String...) -> [UInt8] {
        T.head(["GET \(target) HTTP/1.1"] + fields)
    }

    /// The bytes ``HTTPTesting/respond(to:output:)`` writes for `head`.
    static func answer(_ head: HTTPRequestHead) -> [UInt8] {
        var out: [UInt8] = []
        T.respond(to: head, output: &out)
        return out
    }

    @Test func severalRequestsInOneReadAreAnsweredInOrder() {
        let stream = T.head(T.nginxLines) + T.head(T.caddyLines) + T.head(T.envoyLines)
        let outcome = T.serve(stream)
        #expect(outcome.error == nil)
        #expect(outcome.heads.map(\.target) == ["/_keygate", "/auth?q=1", "/ext_authz/api/thing?page=2"])
        #expect(outcome.heads.map { $0[.host] } == ["keygate", "example.com", "example.com"])
        #expect(outcome.output == outcome.heads.flatMap(Self.answer))
        #expect(!outcome.wantsClose)
        #expect(outcome.bufferedByteCount == 0)
    }

    @Test func twentyPipelinedRequestsInOneConsume() throws {
        let stream = (0..<20).flatMap { Self.request("/r\($0)", "X-Api-Key: key\($0)") }
        var connection = HTTPConnection()
        var output: [UInt8] = []
        var heads: [HTTPRequestHead] = []
        let error = stream.withUnsafeBytes { bytes in
            connection.consume(bytes, output: &output) { head, out in
                heads.append(head)
                T.respond(to: head, output: &out)
            }
        }
        #expect(error == nil)
        #expect(heads.map(\.target) == (0..<20).map { "/r\($0)" })
        #expect(heads.map { $0[.xAPIKey] } == (0..<20).map { "key\($0)" })
        #expect(output == heads.flatMap(Self.answer))
        #expect(connection.progress == .betweenRequests)
    }

    @Test func partialHeadIsKeptAcrossReads() throws {
        let stream = T.head(T.nginxLines)
        var connection = HTTPConnection()
        var output: [UInt8] = []
        var heads: [HTTPRequestHead] = []
        let answer = { (head: HTTPRequestHead, out: inout [UInt8]) in
            heads.append(head)
            T.respond(to: head, output: &out)
        }
        let cut = 57
        let firstError = stream[..<cut].withUnsafeBytes { connection.consume($0, output: &output, answer: answer) }
        #expect(firstError == nil)
        #expect(heads.isEmpty)
        #expect(output.isEmpty)
        #expect(connection.progress == .midRequest)
        #expect(connection.bufferedByteCount == cut)
        let secondError = stream[cut...].withUnsafeBytes { connection.consume($0, output: &output, answer: answer) }
        #expect(secondError == nil)
        let head = try #require(heads.first)
        #expect(heads.count == 1)
        #expect(head[.xAPIKey] == "kg_AbC123secretsecretsecret")
        #expect(connection.progress != .midRequest)
        #expect(connection.bufferedByteCount == 0)
        #expect(output == Self.answer(head))
    }

    @Test func onlyThePartialTailIsBuffered() {
        let first = Self.request("/one")
        let second = Self.request("/two", "Host: h")
        let cut = first.count + 10
        var connection = HTTPConnection()
        var output: [UInt8] = []
        var targets: [String] = []
        let stream = first + second
        _ = stream[..<cut].withUnsafeBytes {
            connection.consume($0, output: &output) { head, _ in targets.append(head.target) }
        }
        #expect(targets == ["/one"])
        #expect(connection.bufferedByteCount == 10)
        _ = stream[cut...].withUnsafeBytes {
            connection.consume($0, output: &output) { head, _ in targets.append(head.target) }
        }
        #expect(targets == ["/one", "/two"])
        #expect(connection.bufferedByteCount == 0)
    }

    @Test func aHeadCompletedInsideALargeReadLeavesTheRestForTheNext() {
        // The first read ends inside head 1; the second completes it and carries heads 2 and 3 and half of 4.
        let heads = (1...4).map { Self.request("/h\($0)", "X-Api-Key: k\($0)") }
        let stream = heads.joined().map { $0 }
        let cuts = [heads[0].count - 3, heads[0].count + heads[1].count + heads[2].count + 5]
        let outcome = T.serve(stream, cuts: cuts)
        #expect(outcome.heads.map(\.target) == ["/h1", "/h2", "/h3", "/h4"])
        #expect(outcome == T.serve(stream))
    }

    @Test func afterAnErrorNothingMoreIsAnswered() {
        let stream = Self.request("/ok") + Array("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n".utf8) + Self.request("/after")
        let outcome = T.serve(stream)
        #expect(outcome.heads.map(\.target) == ["/ok"])
        #expect(outcome.error == .invalidFieldName)
        #expect(outcome.errorCount == 1)
        #expect(outcome.wantsClose)
        #expect(
            outcome.output == Self.answer(outcome.heads[0]) + HTTPResponseWriter.errorResponse(for: .invalidFieldName))

        var connection = HTTPConnection()
        var output: [UInt8] = []
        var answered = 0
        let bad = Array("BAD REQUEST\r\n".utf8)
        let error = bad.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in answered += 1 } }
        #expect(error == .invalidTarget)
        #expect(connection.progress == .finished)
        let later = Self.request("/later").withUnsafeBytes {
            connection.consume($0, output: &output) { _, _ in answered += 1 }
        }
        #expect(later == nil)
        #expect(answered == 0)
        #expect(output == HTTPResponseWriter.errorResponse(for: .invalidTarget))
    }

    @Test func errorInAPartialHeadIsReportedWhenItsByteArrives() {
        var connection = HTTPConnection()
        var output: [UInt8] = []
        let first = Array("GET / HTTP/1.1\r\nX-Api-Key: abc".utf8)
        #expect(first.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in } } == nil)
        #expect(connection.bufferedByteCount == first.count)
        let second: [UInt8] = [0x00, 0x0D, 0x0A, 0x0D, 0x0A]
        #expect(second.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in } } == .invalidFieldValue)
        #expect(output == HTTPResponseWriter.errorResponse(for: .invalidFieldValue))
        #expect(connection.bufferedByteCount == 0)
        #expect(connection.progress == .finished)
    }

    @Test func connectionCloseEndsTheConnectionAfterItsAnswer() {
        let stream = Self.request("/a") + Self.request("/b", "Connection: close") + Self.request("/c")
        let outcome = T.serve(stream)
        #expect(outcome.heads.map(\.target) == ["/a", "/b"])
        #expect(outcome.wantsClose)
        #expect(outcome.error == nil)
        #expect(outcome.output == outcome.heads.flatMap(Self.answer))
        #expect(String(decoding: outcome.output, as: UTF8.self).hasSuffix("Connection: close\r\n\r\n"))
        // Cut right after the closing request: the next read is ignored too.
        let cut = Self.request("/a").count + Self.request("/b", "Connection: close").count
        #expect(T.serve(stream, cuts: [cut]) == outcome)
    }

    @Test func http10WithoutKeepAliveCloses() {
        let stream = T.head(["GET /a HTTP/1.0"]) + Self.request("/b")
        let outcome = T.serve(stream)
        #expect(outcome.heads.map(\.target) == ["/a"])
        #expect(outcome.wantsClose)
    }

    @Test func http10WithKeepAliveStaysOpen() {
        let stream = T.head(["GET /a HTTP/1.0", "Connection: keep-alive"]) + Self.request("/b")
        let outcome = T.serve(stream)
        #expect(outcome.heads.map(\.target) == ["/a", "/b"])
        #expect(!outcome.wantsClose)
        #expect(String(decoding: outcome.output, as: UTF8.self).contains("Connection: keep-alive\r\n"))
    }

    @Test func oversizedPartialHeadIsRejectedWithoutBufferingMore() {
        var connection = HTTPConnection()
        var output: [UInt8] = []
        let start = Array("GET / HTTP/1.1\r\nX-Big: ".utf8)
        #expect(start.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in } } == nil)
        let filler = [UInt8](repeating: UInt8(ascii: "v"), count: 1000)
        var error: HTTPHeadError?
        var reads = 0
        while error == nil && reads < 20 {
            error = filler.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in } }
            #expect(connection.bufferedByteCount < 8192)
            reads += 1
        }
        #expect(error == .headTooLarge)
        #expect(reads == 9)  // 23 + 8 * 1000 < 8192 <= 23 + 9 * 1000
        #expect(output == HTTPResponseWriter.errorResponse(for: .headTooLarge))
        #expect(Array("HTTP/1.1 431 ".utf8) == Array(output.prefix(13)))
    }

    @Test func oneHugeReadIsRejectedAtTheLimit() {
        let stream = Array(repeating: UInt8(ascii: "A"), count: 100_000)
        let outcome = T.serve(stream)
        #expect(outcome.error == .headTooLarge)
        #expect(outcome.maxBufferedByteCount == 0)
    }

    @Test func emptyReadsChangeNothing() {
        var connection = HTTPConnection()
        var output: [UInt8] = []
        let empty: [UInt8] = []
        #expect(empty.withUnsafeBytes { connection.consume($0, output: &output) { _, _ in } } == nil)
        #expect(output.isEmpty)
        #expect(connection.progress == .betweenRequests)
    }
}
