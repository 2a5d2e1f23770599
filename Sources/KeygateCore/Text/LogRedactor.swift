/// Removes API keys from text bound for a log: key-shaped tokens and the values of key-carrying query parameters.
///
/// A key-shaped token is any run of at least ``minimumTokenLength`` characters from `[A-Za-z0-9_]`, the alphabet of
/// keys and their prefixes: it covers valid keys, malformed or truncated ones, and long slices of either. Key ids
/// (`kid_` + 16 base62, see ``KeyIdentifier``) are exactly that long but public, so they stay. The value of every
/// parameter in ``parameterNames`` (compared ASCII case-insensitively, after start of text or a character that cannot
/// be part of a name) is replaced whatever its length, up to the next `&`, `#`, `;`, quote or whitespace.
/// Pure and allocation-free when there is nothing to redact.
public struct LogRedactor: Sendable {
    /// What replaces each redacted token or value.
    public static let replacement = "[redacted]"
    /// Runs of key characters at least this long are treated as keys.
    public static let minimumTokenLength = 20
    /// Query parameters redacted whether or not they are configured: names clients commonly put keys in.
    public static let commonParameterNames = ["api_key", "apikey", "key", "token", "access_token"]

    /// Lowercased UTF-8 names of the parameters whose values are redacted.
    public let parameterNames: [[UInt8]]

    /// A redactor for the common parameter names plus `configuredParameter` (`--key-query-param`), if any.
    public init(configuredParameter: String? = nil) {
        var names = Self.commonParameterNames
        if let configuredParameter, !configuredParameter.isEmpty, !names.contains(configuredParameter.lowercased()) {
            names.append(configuredParameter.lowercased())
        }
        self.parameterNames = names.map { Array($0.utf8) }
    }

    /// Returns `text` with every key-shaped token and parameter value replaced, or `nil` if there is none.
    ///
    /// `nil` is the fast path: the text is scanned in place and nothing is allocated.
    public func redacting(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard var range = self.nextRedaction(in: bytes, from: 0) else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var copied = 0
            while true {
                output.append(contentsOf: bytes[copied..<range.lowerBound])
                output.append(contentsOf: Self.replacement.utf8)
                copied = range.upperBound
                guard let next = self.nextRedaction(in: bytes, from: copied) else { break }
                range = next
            }
            output.append(contentsOf: bytes[copied...])
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Returns `text` redacted, or `text` itself when there is nothing to redact.
    public func redacted(_ text: String) -> String {
        self.redacting(text) ?? text
    }

    /// The first range at or after `start` to replace: a key-shaped token or a redacted parameter's value.
    func nextRedaction(in bytes: UnsafeRawBufferPointer, from start: Int) -> Range<Int>? {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if Self.isKeyCharacter(byte) {
                var end = index + 1
                while end < bytes.count && Self.isKeyCharacter(bytes[end]) { end += 1 }
                let token = index..<end
                if token.count >= Self.minimumTokenLength && !Self.isKeyIdentifier(bytes, token) { return token }
                index = end
            } else if byte == UInt8(ascii: "="), let value = self.parameterValue(in: bytes, equalsAt: index) {
                return value
            } else {
                index += 1
            }
        }
        return nil
    }

    /// The non-empty value after the `=` at `equals` when a redacted parameter name ends just before it.
    func parameterValue(in bytes: UnsafeRawBufferPointer, equalsAt equals: Int) -> Range<Int>? {
        var end = equals + 1
        while end < bytes.count && !Self.endsValue(bytes[end]) { end += 1 }
        guard end > equals + 1 else { return nil }
        for name in self.parameterNames where name.count <= equals {
            let nameStart = equals - name.count
            guard nameStart == 0 || !Self.isNameCharacter(bytes[nameStart - 1]) else { continue }
            var matches = true
            for offset in 0..<name.count where Self.lowercased(bytes[nameStart + offset]) != name[offset] {
                matches = false
                break
            }
            if matches { return (equals + 1)..<end }
        }
        return nil
    }

    /// True for `kid_` followed by exactly 16 base62 characters, the public key id.
    static func isKeyIdentifier(_ bytes: UnsafeRawBufferPointer, _ token: Range<Int>) -> Bool {
        let prefix = KeyIdentifier.prefix.utf8
        guard token.count == prefix.count + KeyIdentifier.randomLength else { return false }
        guard bytes[token.lowerBound..<(token.lowerBound + prefix.count)].elementsEqual(prefix) else { return false }
        let random = bytes[(token.lowerBound + prefix.count)..<token.upperBound]
        return random.allSatisfy { Base62.value(ofDigit: $0) != nil }
    }

    /// True for `[A-Za-z0-9_]`, the characters of keys and key prefixes.
    static func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// True for characters that may continue a parameter name, so `my_key=` is not `key=`.
    static func isNameCharacter(_ byte: UInt8) -> Bool {
        Self.isKeyCharacter(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "%")
            || byte >= 0x80
    }

    /// True for the characters that end a parameter value.
    static func endsValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "#"), UInt8(ascii: ";"), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
            return true
        default:
            return false
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
