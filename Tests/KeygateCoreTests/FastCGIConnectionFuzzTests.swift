import KeygateCore
import KeygateTesting
import Testing

/// Deterministic pseudo-random and mutated streams: the connection must never trap, and must behave the same
/// however the stream is cut.
struct FastCGIConnectionFuzzTests {
    typealias T = FastCGITesting

    /// The most a connection may hold of one incomplete record: header, largest content, largest padding.
    static let maxBufferedBytes = 8 + 65_535 + 255

    static let tightLimits = FastCGILimits(maxParamsBytes: 96, maxParamCount: 3, maxConnections: 1, maxRequests: 1)

    static func randomString(_ generator: inout T.Generator) -> String {
        let count =
            Int.random(in: 0..<8, using: &generator) == 0
            ? Int.random(in: 120...300, using: &generator) : Int.random(in: 0...12, using: &generator)
        return String(
            decoding: (0..<count).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }, as: UTF8.self)
    }

    /// A stream of plausible records: whole requests mostly, with management records, aborts, STDIN and strays.
    static func plausibleStream(_ generator: inout T.Generator) -> [UInt8] {
        var stream: [UInt8] = []
        for _ in 0..<Int.random(in: 1...6, using: &generator) {
            let id = UInt16.random(in: 1...3, using: &generator)
            let keep = Bool.random(using: &generator)
            let pairs = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                (Self.randomString(&generator), Self.randomString(&generator))
            }
            let maxRecordContent = Bool.random(using: &generator) ? 65_535 : Int.random(in: 1...80, using: &generator)
            let padding = [0, 0, 1, 7, 255][Int.random(in: 0..<5, using: &generator)] as UInt8
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4:
                let role = [1, 1, 2, 3, 7][Int.random(in: 0..<5, using: &generator)] as UInt16
                stream += T.request(
                    id: id, role: role, keepConnection: keep, pairs, maxRecordContent: maxRecordContent,
                    padding: padding, stdin: Bool.random(using: &generator))
            case 4:
                let names = ["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS", "OTHER"]
                stream += FastCGIClientEncoder.getValues(names.filter { _ in Bool.random(using: &generator) })
            case 5:
                stream += FastCGIClientEncoder.record(
                    type: UInt8.random(in: 0...20, using: &generator), id: 0, content: [1, 2, 3], padding: padding)
            case 6:
                stream += FastCGIClientEncoder.beginRequest(id: id, role: 1, keepConnection: keep)
                stream += FastCGIClientEncoder.abortRequest(id: id)
            case 7:
                stream += FastCGIClientEncoder.stdin(
                    id: id, Array(repeating: 0x41, count: Int.random(in: 0...90, using: &generator)))
            case 8:
                stream += FastCGIClientEncoder.record(
                    type: UInt8.random(in: 0...14, using: &generator), id: id,
                    content: (0..<Int.random(in: 0...16, using: &generator)).map { _ in
                        UInt8.random(in: 0...255, using: &generator)
                    },
                    padding: padding)
            default:
                stream += FastCGIClientEncoder.beginRequest(id: id, role: 2, keepConnection: keep)
                stream += FastCGIClientEncoder.params(id: id, pairs, maxRecordContent: maxRecordContent).dropLast(8)
            }
        }
        return stream
    }

    /// Damages `stream` in one to four places: overwritten, inserted, deleted or duplicated bytes, or truncation.
    static func mutate(_ stream: inout [UInt8], _ generator: inout T.Generator) {
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !stream.isEmpty else { return }
            let position = Int.random(in: 0..<stream.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0:
                stream[position] = UInt8.random(in: 0...255, using: &generator)
            case 1:
                let bytes = (0..<Int.random(in: 1...9, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                stream.insert(contentsOf: bytes, at: position)
            case 2:
                stream.removeSubrange(position..<min(stream.count, position + Int.random(in: 1...9, using: &generator)))
            case 3:
                stream.insert(contentsOf: stream[position..<min(stream.count, position + 24)], at: position)
            default:
                stream.removeSubrange(position...)
            }
        }
    }

    /// Serves `stream` whole, in random cuts and optionally byte by byte, and checks the invariants.
    @discardableResult
    static func check(_ stream: [UInt8], seed: UInt64, byteByByte: Bool, limits: FastCGILimits) throws -> T.Outcome {
        let whole = T.serve(stream, feeding: .whole, limits: limits)
        let split = T.serve(stream, feeding: .random(seed: seed), limits: limits)
        #expect(split == whole, "seed \(seed)")
        #expect(split.maxBufferedByteCount <= Self.maxBufferedBytes)
        if byteByByte {
            let bytes = T.serve(stream, feeding: .byteByByte, limits: limits)
            #expect(bytes == whole, "seed \(seed)")
            #expect(bytes.maxBufferedByteCount <= Self.maxBufferedBytes)
        }
        // Whatever happened, the server wrote whole, well-formed, aligned records.
        #expect(whole.output.count % 8 == 0)
        var decoder = FastCGIClientDecoder()
        _ = try decoder.consume(whole.output)
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.pendingRequestIDs.isEmpty)
        if whole.error != nil { #expect(whole.wantsClose) }
        return whole
    }

    @Test(arguments: 0..<8)
    func mutatedStreamsNeverTrap(batch: Int) throws {
        var generator = T.Generator(seed: 0x5EED_0000 + UInt64(batch))
        var plausibleRequests = 0
        var mutatedRequests = 0
        var mutatedErrors = 0
        for iteration in 0..<300 {
            var stream = Self.plausibleStream(&generator)
            let limits = iteration % 4 == 0 ? Self.tightLimits : FastCGILimits()
            let seed = generator.next()
            plausibleRequests += try Self.check(stream, seed: seed, byteByByte: iteration % 10 == 0, limits: limits)
                .requests.count
            Self.mutate(&stream, &generator)
            let mutated = try Self.check(stream, seed: seed, byteByByte: iteration % 10 == 5, limits: limits)
            mutatedRequests += mutated.requests.count
            mutatedErrors += mutated.error == nil ? 0 : 1
        }
        // The streams reach both accepting and rejecting paths often enough for the invariants to mean something.
        #expect(plausibleRequests > 80)
        #expect(mutatedRequests > 20)
        #expect(mutatedErrors > 30)
    }

    @Test(arguments: 0..<4)
    func randomRecordsNeverTrap(batch: Int) throws {
        var generator = T.Generator(seed: 0xF00D_0000 + UInt64(batch))
        for iteration in 0..<250 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                // A header with mostly the right version, any type, a small id and a length that may lie.
                let contentLength = Int.random(in: 0...40, using: &generator)
                let actualLength =
                    Bool.random(using: &generator)
                    ? contentLength : Int.random(in: 0...40, using: &generator)
                stream += [
                    Int.random(in: 0..<16, using: &generator) == 0 ? UInt8.random(in: 0...3, using: &generator) : 1,
                    UInt8.random(in: 0...13, using: &generator), 0, UInt8.random(in: 0...2, using: &generator), 0,
                    UInt8(contentLength), UInt8.random(in: 0...3, using: &generator),
                    UInt8.random(in: 0...255, using: &generator),
                ]
                stream += (0..<actualLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            try Self.check(
                stream, seed: generator.next(), byteByByte: iteration % 5 == 0,
                limits: iteration % 2 == 0 ? Self.tightLimits : FastCGILimits())
        }
    }

    @Test func purelyRandomBytesNeverTrap() throws {
        var generator = T.Generator(seed: 42)
        for _ in 0..<500 {
            let stream = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            try Self.check(stream, seed: generator.next(), byteByByte: true, limits: FastCGILimits())
        }
    }

    @Test func largestRecordsStayWithinTheBufferBound() throws {
        // GET_VALUES up to its limit is the only content the connection holds; the rest streams through.
        let names = (0..<300).map { "N\($0)" }
        let content = FastCGIClientEncoder.nameValuePairs(names.map { ($0, "") })
        try #require(content.count <= FastCGIConnection.maxManagementContentBytes)
        let stream =
            FastCGIClientEncoder.record(type: 9, id: 0, content: content, padding: 255)
            + FastCGIClientEncoder.record(type: 5, id: 1, content: Array(repeating: 0, count: 65_535), padding: 255)
            + FastCGIClientEncoder.record(type: 42, id: 0, content: Array(repeating: 0, count: 65_535), padding: 255)
        let outcome = T.serve(stream, feeding: .random(seed: 7))
        #expect(outcome.error == nil)
        #expect(outcome.maxBufferedByteCount <= 8 + content.count)
        #expect(try T.answers(outcome.output) == [.values([:]), .unknownType(42)])
    }
}
