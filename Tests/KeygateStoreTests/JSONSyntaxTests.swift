import KeygateStore
import Testing

struct JSONSyntaxTests {
    @Test(arguments: [
        "{}", " { } ", #"{"a":1}"#, #"{"a":[1,2.5,-3e+2,0.0,1E-2,true,false,null,"x"],"b":{"c":{}}}"#,
        #"{"esc":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDD11"}"#, "{\"é🔑\":\"ünïcode\"}", "\n\t{\"a\" : \"b\" }\r\n",
    ])
    func acceptsObjects(text: String) {
        #expect(JSONSyntax.isObject(text))
    }

    @Test(arguments: [
        "", "[]", "1", "\"{}\"", "null", "{", "}", "{}}", "{} {}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
        "{'a':1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":tru}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"line\nbreak\"}", "{\"a\":NaN}", "{\"a\":[1,]}",
        "{\"a\":1 \"b\":2}", "{,}",
    ])
    func rejectsEverythingElse(text: String) {
        #expect(!JSONSyntax.isObject(text))
    }

    @Test func limitsNesting() {
        let depth = JSONSyntax.maximumDepth
        let deepest =
            "{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"
        #expect(JSONSyntax.isObject(deepest))
        let tooDeep = "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(!JSONSyntax.isObject(tooDeep))
        #expect(!JSONSyntax.isObject("{\"a\":" + String(repeating: "[", count: 100_000)))
        #expect(JSONSyntax.isValue("[1, \"two\", {}]"))
        #expect(!JSONSyntax.isValue("[1, \"two\", {}"))
    }
}
