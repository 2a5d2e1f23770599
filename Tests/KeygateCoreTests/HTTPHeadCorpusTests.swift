import KeygateCore
import Testing

/// Every corpus head gets its verdict, whole and cut anywhere, from the parser and from a connection.
struct HTTPHeadCorpusTests {
    typealias T = HTTPTesting

    /// The verdict as an error or nil; a `.complete` head must consume the whole entry.
    static func verdict(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> HTTPHeadError? {
        switch T.parse(bytes) {
        case .incomplete:
            Issue.record("incomplete", sourceLocation: sourceLocation)
            return nil
        case .complete(_, let consumed):
            #expect(consumed == bytes.count, sourceLocation: sourceLocation)
            return nil
        case .invalid(let error):
            return error
        }
    }

    @Test(arguments: HTTPHeadCorpus.all)
    func verdict(entry: HTTPHeadCorpusEntry) {
        // "CL 5 on POST" carries a body after its head: the verdict comes before it.
        #expect(Self.verdict(entry.bytes) == entry.expected)
    }

    @Test func corpusIsLargeEnough() {
        #expect(HTTPHeadCorpus.hostile.count >= 40)
        #expect(HTTPHeadCorpus.valid.count >= 15)
    }

    @Test(arguments: HTTPHeadCorpus.all)
    func connectionAnswersOnceWithTheVerdict(entry: HTTPHeadCorpusEntry) throws {
        let outcome = T.serve(entry.bytes)
        #expect(outcome.error == entry.expected)
        if let expected = entry.expected {
            #expect(outcome.heads.isEmpty)
            #expect(outcome.errorCount == 1)
            #expect(outcome.output == HTTPResponseWriter.errorResponse(for: expected))
            #expect(outcome.wantsClose)
            #expect(outcome.bufferedByteCount == 0)
        } else {
            let head = try #require(outcome.heads.first)
            #expect(outcome.heads.count == 1)
            #expect(outcome.wantsClose == !head.keepAlive)
            #expect(outcome.bufferedByteCount == 0)
            #expect(T.parse(entry.bytes) == .complete(head, consumed: entry.bytes.count))
        }
    }

    /// Cut positions for an entry: every byte for small ones, a stride through large ones (each cut costs a pass).
    static func cutPositions(_ count: Int) -> [Int] {
        guard count > 600 else { return Array(1..<max(1, count)) }
        return Array(1..<64) + Array(stride(from: 64, to: count - 64, by: 61)) + Array((count - 64)..<count)
    }

    @Test(arguments: HTTPHeadCorpus.all)
    func sameVerdictWhateverTheCut(entry: HTTPHeadCorpusEntry) {
        let whole = T.serve(entry.bytes)
        for cut in Self.cutPositions(entry.bytes.count) {
            let split = T.serve(entry.bytes, cuts: [cut])
            #expect(split == whole, "cut at \(cut)")
            // The parser agrees on every prefix: incomplete, or already the final verdict.
            let prefix = T.parse(Array(entry.bytes[..<cut]))
            if prefix != .incomplete, let expected = entry.expected { #expect(prefix == .invalid(expected)) }
            if entry.expected == nil { #expect(prefix == .incomplete, "cut at \(cut)") }
        }
        var generator = T.Generator(seed: UInt64(entry.bytes.count))
        for _ in 0..<40 {
            let cuts = T.randomCuts(count: entry.bytes.count, maxCuts: 30, &generator)
            let split = T.serve(entry.bytes, cuts: cuts)
            #expect(split == whole, "cuts \(cuts)")
            #expect(split.maxBufferedByteCount < HTTPHeadLimits().maxHeadBytes)
        }
    }

    @Test(arguments: HTTPHeadCorpus.all.filter { $0.bytes.count < 400 })
    func sameVerdictByteByByte(entry: HTTPHeadCorpusEntry) {
        #expect(T.serve(entry.bytes, cuts: Array(1..<entry.bytes.count)) == T.serve(entry.bytes))
    }

    @Test func smugglingTailIsNotParsedAsARequestAfterARejection() {
        let bytes = Array(
            (HTTPHeadCorpus.fields("Content-Length: 0", "Transfer-Encoding: chunked")
                + "0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n").utf8)
        let outcome = T.serve(bytes)
        #expect(outcome.heads.isEmpty)
        #expect(outcome.error == .bodyNotAllowed)
        #expect(outcome.errorCount == 1)
        #expect(outcome.output == HTTPResponseWriter.errorResponse(for: .bodyNotAllowed))
    }

    @Test func errorStatusesAndReasons() {
        let bounds: [HTTPHeadError] = [.headTooLarge, .tooManyFields, .nameTooLong]
        for error in bounds { #expect(error.status == 431, "\(error)") }
        let others: [HTTPHeadError] = [
            .targetTooLong, .invalidRequestLine, .invalidTarget, .unsupportedVersion, .invalidLineEnding, .obsFold,
            .invalidFieldName, .invalidFieldValue, .bodyNotAllowed, .invalidContentLength, .duplicateContentLength,
            .duplicateField(.xAPIKey),
        ]
        for error in others { #expect(error.status == 400, "\(error)") }
        let reasons = (bounds + others).map(\.reason)
        #expect(Set(reasons).count == reasons.count)
        #expect(HTTPHeadError.duplicateField(.xAPIKey).reason == "duplicate X-Api-Key field")
        #expect(HTTPHeadError.obsFold.description == HTTPHeadError.obsFold.reason)
    }

    @Test func reasonsNeverQuoteValues() {
        let secret = "kg_SECRETsecretSECRET"
        for lines in [
            ["GET / HTTP/1.1", "X-Api-Key: \(secret)", "X-Api-Key: \(secret)"],
            ["GET / HTTP/1.1", "Content-Length: \(secret)"],
            ["GET / HTTP/1.1", "Authorization: \(secret)\u{1}"],
        ] {
            guard case .invalid(let error) = T.parse(T.head(lines)) else {
                Issue.record("accepted \(lines)")
                continue
            }
            #expect(!error.reason.contains(secret))
        }
    }
}
