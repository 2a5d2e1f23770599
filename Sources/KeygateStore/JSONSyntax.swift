/// A strict JSON (RFC 8259) syntax checker for key metadata; it validates, it does not build values.
///
/// Written here instead of loading Foundation's `JSONSerialization` into every process. Nesting is limited to
/// ``maximumDepth`` so that hostile input cannot exhaust the stack.
public enum JSONSyntax {
    /// The deepest nesting of objects and arrays accepted.
    public static let maximumDepth = 64

    /// True if `text` is exactly one JSON object, optionally surrounded by whitespace.
    public static func isObject(_ text: String) -> Bool {
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipWhitespace()
        guard reader.peek() == UInt8(ascii: "{"), reader.value(depth: 0) else { return false }
        reader.skipWhitespace()
        return reader.isAtEnd
    }

    /// True if `text` is exactly one JSON value of any kind, optionally surrounded by whitespace.
    public static func isValue(_ text: String) -> Bool {
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipWhitespace()
        guard reader.value(depth: 0) else { return false }
        reader.skipWhitespace()
        return reader.isAtEnd
    }

    /// A cursor over UTF-8 bytes; every `Bool` method consumes one construct and reports whether it was valid.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { self.index == self.bytes.count }

        func peek() -> UInt8? {
            self.index < self.bytes.count ? self.bytes[self.index] : nil
        }

        mutating func skipWhitespace() {
            while let byte = self.peek(),
                byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0A || byte == 0x0D
            {
                self.index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard self.peek() == byte else { return false }
            self.index += 1
            return true
        }

        mutating func consume(literal: String) -> Bool {
            for byte in literal.utf8 {
                guard self.consume(byte) else { return false }
            }
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard let byte = self.peek() else { return false }
            switch byte {
            case UInt8(ascii: "{"): return depth < JSONSyntax.maximumDepth && self.object(depth: depth + 1)
            case UInt8(ascii: "["): return depth < JSONSyntax.maximumDepth && self.array(depth: depth + 1)
            case UInt8(ascii: "\""): return self.string()
            case UInt8(ascii: "t"): return self.consume(literal: "true")
            case UInt8(ascii: "f"): return self.consume(literal: "false")
            case UInt8(ascii: "n"): return self.consume(literal: "null")
            default: return self.number()
            }
        }

        mutating func object(depth: Int) -> Bool {
            guard self.consume(UInt8(ascii: "{")) else { return false }
            self.skipWhitespace()
            if self.consume(UInt8(ascii: "}")) { return true }
            while true {
                self.skipWhitespace()
                guard self.string() else { return false }
                self.skipWhitespace()
                guard self.consume(UInt8(ascii: ":")) else { return false }
                self.skipWhitespace()
                guard self.value(depth: depth) else { return false }
                self.skipWhitespace()
                if self.consume(UInt8(ascii: "}")) { return true }
                guard self.consume(UInt8(ascii: ",")) else { return false }
            }
        }

        mutating func array(depth: Int) -> Bool {
            guard self.consume(UInt8(ascii: "[")) else { return false }
            self.skipWhitespace()
            if self.consume(UInt8(ascii: "]")) { return true }
            while true {
                self.skipWhitespace()
                guard self.value(depth: depth) else { return false }
                self.skipWhitespace()
                if self.consume(UInt8(ascii: "]")) { return true }
                guard self.consume(UInt8(ascii: ",")) else { return false }
            }
        }

        mutating func string() -> Bool {
            guard self.consume(UInt8(ascii: "\"")) else { return false }
            while let byte = self.peek() {
                self.index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return true
                case UInt8(ascii: "\\"):
                    guard let escaped = self.peek() else { return false }
                    self.index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        for _ in 0..<4 {
                            guard let hex = self.peek(), hex.isHexDigit else { return false }
                            self.index += 1
                        }
                    default:
                        return false
                    }
                case 0x00..<0x20:
                    return false  // control characters must be escaped
                default:
                    continue  // the bytes came from a String, so they are valid UTF-8
                }
            }
            return false
        }

        mutating func number() -> Bool {
            _ = self.consume(UInt8(ascii: "-"))
            if self.consume(UInt8(ascii: "0")) {
                // No leading zeros: "01" is not JSON.
            } else {
                guard self.digits() else { return false }
            }
            if self.consume(UInt8(ascii: ".")) {
                guard self.digits() else { return false }
            }
            if self.consume(UInt8(ascii: "e")) || self.consume(UInt8(ascii: "E")) {
                if !self.consume(UInt8(ascii: "+")) { _ = self.consume(UInt8(ascii: "-")) }
                guard self.digits() else { return false }
            }
            return true
        }

        /// One or more decimal digits.
        mutating func digits() -> Bool {
            let start = self.index
            while let byte = self.peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                self.index += 1
            }
            return self.index > start
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
