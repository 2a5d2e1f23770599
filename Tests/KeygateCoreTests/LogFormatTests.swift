import KeygateCore
import Testing

/// The two log line formats, pinned.
struct LogFormatTests {
    static let fields = [("key_id", "kid_1"), ("reason", "revoked \"x\"\n"), ("time", "spoofed")]

    @Test func textLines() {
        #expect(
            LogFormat.text.line(
                time: "2026-12-01T03:00:00Z", label: "keygate", pid: 42, level: "warning", message: "denied",
                fields: Self.fields)
                == "2026-12-01T03:00:00Z keygate[42] warning: denied key_id=kid_1 reason=revoked \"x\"\n time=spoofed")
        #expect(
            LogFormat.text.suppressedLine(
                time: "T", label: "keygate", pid: 7, level: "error", count: 12, message: "read failed")
                == "T keygate[7] error: 12 similar lines suppressed: read failed")
    }

    @Test func jsonLinesAreOneObjectWithTheFixedMembersFirst() {
        #expect(
            LogFormat.json.line(
                time: "2026-12-01T03:00:00Z", label: "keygate", pid: 42, level: "warning", message: "denied é",
                fields: Self.fields)
                == "{\"time\":\"2026-12-01T03:00:00Z\",\"level\":\"warning\",\"logger\":\"keygate\",\"pid\":42,"
                + "\"event\":\"denied \\u00e9\",\"key_id\":\"kid_1\",\"reason\":\"revoked \\\"x\\\"\\n\","
                + "\"field_time\":\"spoofed\"}")
        #expect(
            LogFormat.json.suppressedLine(
                time: "T", label: "keygate", pid: 7, level: "error", count: 12, message: "read failed")
                == "{\"time\":\"T\",\"level\":\"error\",\"logger\":\"keygate\",\"pid\":7,"
                + "\"event\":\"similar lines suppressed\",\"count\":\"12\",\"message\":\"read failed\"}")
        #expect(LogFormat(rawValue: "json") == .json && LogFormat(rawValue: "JSON") == nil)
    }
}
