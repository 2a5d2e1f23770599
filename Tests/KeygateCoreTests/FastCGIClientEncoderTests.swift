import KeygateCore
import KeygateTesting
import Testing

struct FastCGIClientEncoderTests {
    @Test(arguments: [(1, false, 0), (2, true, 1), (0x0307, false, 0)] as [(UInt16, Bool, UInt8)])
    func beginRequestIsExact(role: UInt16, keepConnection: Bool, flags: UInt8) {
        #expect(
            FastCGIClientEncoder.beginRequest(id: 0x1234, role: role, keepConnection: keepConnection)
                == [1, 1, 0x12, 0x34, 0, 8, 0, 0, UInt8(role >> 8), UInt8(role & 0xFF), flags, 0, 0, 0, 0, 0])
    }

    @Test func recordCarriesPaddingAndVersion() {
        #expect(
            FastCGIClientEncoder.record(type: 42, id: 0x0102, content: [9, 8], padding: 3, version: 7)
                == [7, 42, 1, 2, 0, 2, 3, 0, 9, 8, 0, 0, 0])
    }

    @Test func nameValuePairsUseOneOrFourByteLengths() {
        let value127 = String(repeating: "a", count: 127)
        let value128 = String(repeating: "b", count: 128)
        let value70000 = String(repeating: "c", count: 70_000)
        #expect(FastCGIClientEncoder.nameValuePairs([("A", "")]) == [1, 0, 65])
        #expect(FastCGIClientEncoder.nameValuePairs([("A", value127)]) == [1, 127, 65] + Array(value127.utf8))
        #expect(
            FastCGIClientEncoder.nameValuePairs([("A", value128)]) == [1, 0x80, 0, 0, 128, 65] + Array(value128.utf8))
        #expect(
            FastCGIClientEncoder.nameValuePairs([(value128, "A")])
                == [0x80, 0, 0, 128, 1] + Array(value128.utf8) + [65])
        // 70,000 is 0x01_1170.
        #expect(FastCGIClientEncoder.nameValuePairs([("A", value70000)]).prefix(6) == [1, 0x80, 0x01, 0x11, 0x70, 65])
    }

    @Test(arguments: [1, 4, 10, 65_535, 100_000])
    func paramsAreCutAtMaxRecordContent(maxRecordContent: Int) throws {
        let pairs = [("A", String(repeating: "x", count: 300)), ("B", "2")]
        let stream = FastCGIClientEncoder.params(id: 5, pairs, maxRecordContent: maxRecordContent, padding: 2)
        var contents: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            #expect(Array(stream[offset..<(offset + 4)]) == [1, 4, 0, 5])
            let length = Int(stream[offset + 4]) << 8 | Int(stream[offset + 5])
            #expect(stream[offset + 6] == 2)
            contents.append(Array(stream[(offset + 8)..<(offset + 8 + length)]))
            offset += 8 + length + 2
        }
        #expect(offset == stream.count)
        #expect(contents.last == [])
        #expect(contents.dropLast().allSatisfy { !$0.isEmpty && $0.count <= maxRecordContent })
        #expect(contents.joined().elementsEqual(FastCGIClientEncoder.nameValuePairs(pairs)))
    }

    @Test func emptyParamsAreJustTheTerminator() {
        #expect(FastCGIClientEncoder.params(id: 1, []) == [1, 4, 0, 1, 0, 0, 0, 0])
    }

    @Test func stdinIsCutAt65535BytesWithoutTerminator() {
        let stream = FastCGIClientEncoder.stdin(id: 1, Array(repeating: 1, count: 70_000))
        #expect(stream.count == 8 + 65_535 + 8 + 4_465)
        #expect(Array(stream[0..<8]) == [1, 5, 0, 1, 0xFF, 0xFF, 0, 0])
        #expect(Array(stream[65_543..<65_551]) == [1, 5, 0, 1, 0x11, 0x71, 0, 0])
        #expect(FastCGIClientEncoder.stdin(id: 1, []) == [])
        #expect(FastCGIClientEncoder.emptyStdin(id: 3) == [1, 5, 0, 3, 0, 0, 0, 0])
    }

    @Test(arguments: [true, false])
    func requestIsBeginParamsAndStdin(stdin: Bool) {
        let begin: [UInt8] = [1, 1, 1, 2, 0, 8, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0]
        let params: [UInt8] = [1, 4, 1, 2, 0, 4, 0, 0, 1, 1, 65, 98, 1, 4, 1, 2, 0, 0, 0, 0]
        let end: [UInt8] = stdin ? [1, 5, 1, 2, 0, 0, 0, 0] : []
        #expect(
            FastCGIClientEncoder.request(id: 0x0102, role: 2, keepConnection: true, [("A", "b")], stdin: stdin)
                == begin + params + end)
    }

    @Test func getValuesAndAbortAreExact() {
        #expect(FastCGIClientEncoder.getValues(["AB"]) == [1, 9, 0, 0, 0, 4, 0, 0, 2, 0, 65, 66])
        #expect(FastCGIClientEncoder.abortRequest(id: 258) == [1, 2, 1, 2, 0, 0, 0, 0])
    }
}
