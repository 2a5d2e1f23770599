import Testing

@testable import KeygateCore

struct LogRedactorTests {
    let key = APIKeyFormat.make(prefix: "kg_", randomBytes: testBytes(seed: 3))!
    let longPrefixKey = APIKeyFormat.make(prefix: "acme_live_", randomBytes: testBytes(seed: 4))!
    let redactor = LogRedactor(configuredParameter: "X-Secret")

    @Test func textWithoutKeysIsLeftAloneWithoutACopy() {
        for text in [
            "", "denied", "closing connection after a protocol error", "/api/reports?page=2&sort=name",
            "key_id=kid_0123456789abcdef", "kid_AbCdEfGhIjKlMnOp", "a_nineteen_char_run",
        ] {
            #expect(self.redactor.redacting(text) == nil, "\(text)")
            #expect(self.redactor.redacted(text) == text)
        }
    }

    @Test func wellFormedKeysAreRedactedWherever() {
        for key in [self.key, self.longPrefixKey] {
            #expect(self.redactor.redacted(key) == "[redacted]")
            #expect(self.redactor.redacted("/api/x?other=\(key)&page=2") == "/api/x?other=[redacted]&page=2")
            #expect(self.redactor.redacted("Bearer \(key)") == "Bearer [redacted]")
            #expect(self.redactor.redacted("\"\(key)\",\(key)") == "\"[redacted]\",[redacted]")
        }
    }

    @Test(arguments: [0, 1, 5, 19])
    func malformedKeysAndLongSlicesAreRedacted(drop: Int) {
        let slice = String(self.key.dropFirst(drop).prefix(20))
        #expect(self.redactor.redacted("/x/\(slice)/y") == "/x/[redacted]/y")
        let broken = String(self.key.dropLast(drop)) + "!"
        #expect(!self.redactor.redacted(broken).contains(String(self.key.prefix(20))))
    }

    @Test func keyIdentifiersStayVisibleButLongerRunsDoNot() {
        let line = "key_id=kid_0123456789abcdef client=1.2.3.4"
        #expect(self.redactor.redacted(line) == line)
        #expect(self.redactor.redacted("kid_0123456789abcdefX") == "[redacted]")
        #expect(self.redactor.redacted("kid_0123456789abcde_") == "[redacted]")
        #expect(self.redactor.redacted("xkid_0123456789abcdef") == "[redacted]")
    }

    @Test func parameterValuesAreRedactedWhateverTheirLength() {
        #expect(self.redactor.redacted("/a?api_key=short&b=1") == "/a?api_key=[redacted]&b=1")
        #expect(self.redactor.redacted("/a?b=1&API_KEY=x#frag") == "/a?b=1&API_KEY=[redacted]#frag")
        #expect(self.redactor.redacted("/a?token=abc;key=d e") == "/a?token=[redacted];key=[redacted] e")
        #expect(self.redactor.redacted("/a?access_token=%6Bg_x") == "/a?access_token=[redacted]")
        #expect(self.redactor.redacted("/a?apikey=1") == "/a?apikey=[redacted]")
        #expect(self.redactor.redacted("/a?x-secret=kg-like") == "/a?x-secret=[redacted]")
        // Other names that merely end in one of them, and empty values, are left alone.
        #expect(self.redactor.redacting("/a?monkey=1&my_token=2&key=&page.key=3") == nil)
        #expect(LogRedactor().redacting("/a?x-secret=1") == nil)
    }

    @Test func nonASCIIAndControlBytesSurvive() {
        #expect(self.redactor.redacted("é \(self.key) ü\t") == "é [redacted] ü\t")
    }
}
