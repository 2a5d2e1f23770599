import KeygateCore
import Testing

/// JSON string literals: text that needs no escape is copied whole, anything else is escaped unit by unit, and both
/// ways give ASCII-only JSON.
struct JSONTextTests {
    @Test func textWithoutEscapesIsCopiedWhole() {
        #expect(JSONText.quoted("") == "\"\"")
        #expect(JSONText.quoted("kid_01HZX9 partner ~!@#$%^&*()") == "\"kid_01HZX9 partner ~!@#$%^&*()\"")
        #expect(JSONText.quoted("2026-12-02T13:44:22Z") == "\"2026-12-02T13:44:22Z\"")
    }

    @Test func everyCharacterThatNeedsAnEscapeGetsOne() {
        #expect(JSONText.quoted("a\"b") == #""a\"b""#)
        #expect(JSONText.quoted("a\\b") == #""a\\b""#)
        #expect(JSONText.quoted("\n\r\t") == #""\n\r\t""#)
        #expect(JSONText.quoted("\u{0}\u{1F}\u{7F}") == #""\u0000\u001f\u007f""#)
        #expect(JSONText.quoted("é") == #""\u00e9""#)
        #expect(JSONText.quoted("€") == #""\u20ac""#)
        #expect(JSONText.quoted("🔑") == #""\ud83d\udd11""#)  // a surrogate pair above U+FFFF
        // One escape anywhere sends the whole text the slow way; the plain part around it is unchanged.
        #expect(JSONText.quoted("plain \"quoted\" plain") == #""plain \"quoted\" plain""#)
    }

    @Test func appendingAddsToWhatIsThere() {
        var output = "["
        JSONText.appendQuoted("a", to: &output)
        output += ","
        JSONText.appendQuoted("é", to: &output)
        #expect(output == #"["a","\u00e9""#)
    }
}
