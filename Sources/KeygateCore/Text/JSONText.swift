/// JSON string literals, written by hand: keygate's JSON is ASCII-only, so that no reader's charset can garble it.
public enum JSONText {
    /// `text` as an ASCII-only JSON string: control and non-ASCII characters as `\uXXXX` (surrogate pairs above
    /// U+FFFF).
    public static func quoted(_ text: String) -> String {
        var result = ""
        Self.appendQuoted(text, to: &result)
        return result
    }

    /// Appends `text` as ``quoted(_:)`` writes it to `output`. Text that needs no escape (printable ASCII without `"`
    /// or `\`, what ids, names and timestamps nearly always are) is copied whole; any other goes unit by unit.
    public static func appendQuoted(_ text: String, to output: inout String) {
        output.append("\"")
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != 0x22 && $0 != 0x5C }) {
            output.append(text)
        } else {
            for unit in text.utf16 {
                switch unit {
                case 0x22: output.append("\\\"")
                case 0x5C: output.append("\\\\")
                case 0x0A: output.append("\\n")
                case 0x0D: output.append("\\r")
                case 0x09: output.append("\\t")
                case 0x20...0x7E: output.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                default:
                    let hex = String(unit, radix: 16, uppercase: false)
                    output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
            }
        }
        output.append("\"")
    }
}
