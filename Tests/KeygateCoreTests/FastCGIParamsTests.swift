import KeygateCore
import KeygateTesting
import Testing

struct FastCGIParamsTests {
    let params = FastCGIParams([
        ("HTTP_X_API_KEY", "first"),
        ("REQUEST_URI", "/api/thing?q=1"),
        ("HTTP_X_API_KEY", "second"),
        ("EMPTY", ""),
        ("UNICODE", "grüße ✓"),
        ("", "empty name"),
    ])

    @Test func emptyParamsHaveNothing() {
        let empty = FastCGIParams()
        #expect(empty.count == 0)
        #expect(empty["A"] == nil)
        #expect(!empty.contains(""))
        #expect(empty == FastCGIParams([]))
    }

    @Test func countIncludesDuplicates() {
        #expect(self.params.count == 6)
    }

    @Test func firstOccurrenceWins() {
        #expect(self.params["HTTP_X_API_KEY"] == "first")
    }

    @Test(arguments: ["http_x_api_key", "HTTP_X_API_KE", "HTTP_X_API_KEY_", "REQUEST_UR", " EMPTY"])
    func lookupIsExactAndCaseSensitive(name: String) {
        #expect(self.params[name] == nil)
        #expect(!self.params.contains(name))
    }

    @Test func emptyValuesAndNamesAreFound() {
        #expect(self.params["EMPTY"] == "")
        #expect(self.params.contains("EMPTY"))
        #expect(self.params[""] == "empty name")
    }

    @Test func utf8SurvivesTheRoundTrip() {
        #expect(self.params["UNICODE"] == "grüße ✓")
    }

    @Test func valueBytesAreTheRawValue() throws {
        let bytes = try #require(self.params.valueBytes("REQUEST_URI"))
        #expect(Array(bytes) == Array("/api/thing?q=1".utf8))
        #expect(self.params.valueBytes("MISSING") == nil)
    }

    @Test func forEachVisitsEveryPairInOrder() {
        var seen: [String] = []
        self.params.forEach { name, value in seen.append("\(name)=\(value)") }
        #expect(
            seen == [
                "HTTP_X_API_KEY=first", "REQUEST_URI=/api/thing?q=1", "HTTP_X_API_KEY=second", "EMPTY=",
                "UNICODE=grüße ✓", "=empty name",
            ])
        #expect(self.params.pairs.count == 6)
    }

    @Test func longNamesAndValuesUseFourByteLengths() {
        let name = String(repeating: "N", count: 128)
        let value = String(repeating: "v", count: 70_000)
        let params = FastCGIParams([(name, value), ("A", "b")])
        #expect(params[name] == value)
        #expect(params["A"] == "b")
    }

    @Test func equalityComparesPairsInOrder() {
        #expect(FastCGIParams([("A", "1"), ("B", "2")]) == FastCGIParams([("A", "1"), ("B", "2")]))
        #expect(FastCGIParams([("A", "1"), ("B", "2")]) != FastCGIParams([("B", "2"), ("A", "1")]))
        #expect(FastCGIParams([("A", "1")]) != FastCGIParams([("A", "1"), ("A", "1")]))
        #expect(FastCGIParams([("AB", "")]) != FastCGIParams([("A", "B")]))
    }

    @Test func paramsFromTheWireEqualParamsFromPairs() throws {
        let pairs = FastCGITesting.nginxParams + [("LONG", String(repeating: "x", count: 300))]
        let outcome = FastCGITesting.serve(FastCGITesting.request(pairs, maxRecordContent: 10))
        #expect(try #require(outcome.requests.first).params == FastCGIParams(pairs))
    }

    @Test func invalidUTF8IsRepaired() throws {
        let stream =
            FastCGIClientEncoder.beginRequest(id: 1, role: 1, keepConnection: false)
            + FastCGIClientEncoder.record(type: 4, id: 1, content: [1, 2, 65, 0xFF, 0x42])
            + FastCGIClientEncoder.record(type: 4, id: 1, content: [])
        let params = try #require(FastCGITesting.serve(stream).requests.first).params
        #expect(params["A"] == "\u{FFFD}B")
        #expect(params.valueBytes("A").map(Array.init) == [0xFF, 0x42])
    }
}
