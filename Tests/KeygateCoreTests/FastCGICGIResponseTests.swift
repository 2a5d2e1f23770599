import KeygateCore
import KeygateTesting
import Testing

struct CGIResponseTests {
    @Test func parsesStatusHeadersAndBody() throws {
        let response = try #require(CGIResponse(parsing: Array("Status: 204\r\nX-A: b\r\n\r\nbody".utf8)))
        #expect(response.status == 204)
        #expect(response.headers.map(\.0) == ["Status", "X-A"])
        #expect(response.headers.map(\.1) == ["204", "b"])
        #expect(response.body == Array("body".utf8))
    }

    @Test func statusDefaultsTo200() throws {
        let response = try #require(CGIResponse(parsing: Array("Content-Type: text/plain\r\n\r\n".utf8)))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [
        ("Status: 429 Too Many Requests", 429), ("status:401", 401), ("STATUS:   403\t", 403), ("Status: 200 OK", 200),
    ])
    func statusLineVariants(line: String, status: Int) throws {
        let response = try #require(CGIResponse(parsing: Array((line + "\r\n\r\n").utf8)))
        #expect(response.status == status)
    }

    @Test(arguments: [
        "Status: 204\r\n", "Status: 204\r\nX-A: b", "NoColon\r\n\r\n", ": value\r\n\r\n", "Status: abc\r\n\r\n",
        "Status: 20\r\n\r\n", "Status: 2044\r\n\r\n", "Status: 099\r\n\r\n", "Status:\r\n\r\n", "",
    ])
    func malformedResponsesAreNil(text: String) {
        #expect(CGIResponse(parsing: Array(text.utf8)) == nil)
    }

    @Test func bareLineFeedsAndEmptyHeadWork() throws {
        let response = try #require(CGIResponse(parsing: Array("Status: 401\nWWW-Authenticate: ApiKey\n\n{}".utf8)))
        #expect(response.status == 401)
        #expect(response.header("www-authenticate") == "ApiKey")
        #expect(response.body == Array("{}".utf8))
        #expect(
            CGIResponse(parsing: Array("\r\nbody".utf8))
                == CGIResponse(status: 200, headers: [], body: [98, 111, 100, 121]))
    }

    @Test func headerLookupIsCaseInsensitiveAndFirstWins() throws {
        let text = "Status: 429\r\nRetry-After: 17\r\nRateLimit-Remaining: 0\r\nretry-after: 99\r\n\r\n"
        let response = try #require(CGIResponse(parsing: Array(text.utf8)))
        #expect(response.header("RETRY-AFTER") == "17")
        #expect(response.header("ratelimit-remaining") == "0")
        #expect(response.header("X-Missing") == nil)
        #expect(response.headers.count == 4)
    }

    @Test func valuesKeepInnerSpacesAndColons() throws {
        let text = "WWW-Authenticate:  ApiKey realm=\"api\", error=\"invalid_key\"  \r\nX-Time: 12:30:00\r\n\r\n"
        let response = try #require(CGIResponse(parsing: Array(text.utf8)))
        #expect(response.header("WWW-Authenticate") == "ApiKey realm=\"api\", error=\"invalid_key\"")
        #expect(response.header("X-Time") == "12:30:00")
    }

    @Test func equalityComparesEveryPart() {
        let base = CGIResponse(status: 204, headers: [("A", "1")], body: [])
        #expect(base == CGIResponse(status: 204, headers: [("A", "1")], body: []))
        #expect(base != CGIResponse(status: 200, headers: [("A", "1")], body: []))
        #expect(base != CGIResponse(status: 204, headers: [("A", "2")], body: []))
        #expect(base != CGIResponse(status: 204, headers: [("A", "1"), ("A", "1")], body: []))
        #expect(base != CGIResponse(status: 204, headers: [("A", "1")], body: [0]))
    }
}
