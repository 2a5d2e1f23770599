import Foundation
import KeygateStore
import Testing

/// The JSON writer: one string written as it goes, valid JSON that a standard parser reads back to the same values.
struct JSONValueTests {
    @Test func valuesAreWrittenAsJSON() {
        #expect(JSONValue.null.text == "null")
        #expect(JSONValue.bool(true).text == "true")
        #expect(JSONValue.int(-42).text == "-42")
        #expect(JSONValue.int(Int64.max).text == "9223372036854775807")
        #expect(JSONValue.array([]).text == "[]")
        #expect(JSONValue.object([]).text == "{}")
        #expect(JSONValue.raw(#"{"a":[1,2]}"#).text == #"{"a":[1,2]}"#)
        let nested = JSONValue.object([
            ("id", .string("kid_1")), ("scopes", .array([.string("a"), .string("b\"c")])),
            ("meta", .raw(#"{"x":1}"#)), ("n", .int(3)), ("none", .null), ("inner", .object([("é", .bool(false))])),
        ])
        #expect(
            nested.text
                == #"{"id":"kid_1","scopes":["a","b\"c"],"meta":{"x":1},"n":3,"none":null,"inner":{"\u00e9":false}}"#)
    }

    @Test func aStandardParserReadsBackWhatWasWritten() throws {
        let names = ["plain", "quote \" and \\ backslash", "line\nbreak", "ünïcödé 🔑", "\u{1}\u{7F}", ""]
        let value = JSONValue.array(names.map { .object([($0, .string($0))]) })
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(value.text.utf8)) as? [[String: String]])
        #expect(parsed.map { $0.keys.first } == names.map { Optional($0) })
        #expect(parsed.map { $0.values.first } == names.map { Optional($0) })
        #expect(value.text.utf8.allSatisfy { $0 < 0x80 }, "ASCII only")
    }
}
