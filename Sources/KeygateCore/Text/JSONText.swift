/// JSON text pieces keygate writes by hand (problem bodies, CLI output): small enough not to need an encoder.
public enum JSONText {
    /// `text` as an ASCII-only JSON string: control and non-ASCII characters as `\uXXXX` (surrogate pairs above
    /// U+FFFF).
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x20...0x7E: result.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16, uppercase: false)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return result + "\""
    }
}
