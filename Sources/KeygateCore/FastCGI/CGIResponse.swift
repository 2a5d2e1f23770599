/// A CGI-style response (`Status: 204\r\nX-A: b\r\n\r\nbody`) split into status, headers and body: what
/// `keygate check` prints and what tests read back.
public struct CGIResponse: Equatable, Sendable {
    /// From the `Status:` header's leading three digits; 200 when there is none, as nginx and Apache assume.
    public var status: Int
    /// Every header line in order, `Status` included, with whitespace around the value trimmed.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Parses `bytes`; `nil` when the head has no terminating empty line, a line has no colon, or the status is bad.
    ///
    /// Lines end in CRLF or a bare LF.
    public init?(parsing bytes: [UInt8]) {
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        let colon = UInt8(ascii: ":")
        var status = 200
        var headers: [(String, String)] = []
        var lineStart = 0
        while true {
            guard let lineBreak = bytes[lineStart...].firstIndex(of: newline) else { return nil }
            var lineEnd = lineBreak
            if lineEnd > lineStart && bytes[lineEnd - 1] == carriageReturn { lineEnd -= 1 }
            if lineEnd == lineStart {
                self.init(status: status, headers: headers, body: Array(bytes[(lineBreak + 1)...]))
                return
            }
            let line = bytes[lineStart..<lineEnd]
            guard let colonIndex = line.firstIndex(of: colon), colonIndex > lineStart else { return nil }
            let name = String(decoding: line[..<colonIndex], as: UTF8.self)
            let value = String(decoding: Self.trimmingWhitespace(line[(colonIndex + 1)...]), as: UTF8.self)
            if Self.lowercasedASCII(name) == "status" {
                guard let code = Self.statusCode(value) else { return nil }
                status = code
            }
            headers.append((name, value))
            lineStart = lineBreak + 1
        }
    }

    /// The value of the first header named `name`, compared ASCII case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = Self.lowercasedASCII(name)
        return self.headers.first { Self.lowercasedASCII($0.0) == wanted }?.1
    }

    public static func == (lhs: CGIResponse, rhs: CGIResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// The three-digit code at the start of a `Status` value (`429 Too Many Requests` gives 429).
    private static func statusCode(_ value: String) -> Int? {
        let digits = value.utf8.prefix { $0 != UInt8(ascii: " ") }
        guard digits.count == 3, let code = Int(String(decoding: digits, as: UTF8.self)), code >= 100 else {
            return nil
        }
        return code
    }

    private static func trimmingWhitespace(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
            let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return bytes[bytes.endIndex...] }
        return bytes[first...last]
    }

    private static func lowercasedASCII(_ text: String) -> String {
        String(
            decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 },
            as: UTF8.self)
    }
}
