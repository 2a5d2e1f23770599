/// A `postgresql://` URL as given to `--db`, split into what libpq parses and what keygate reads itself.
///
/// libpq knows no way to read a password from a file named in the URL (only `passfile=`, in its `.pgpass` format),
/// so keygate accepts `?password_file=PATH`: the file's first line is the password. The parameter is removed from
/// ``connectionURL`` because libpq refuses parameters it does not know. ``redacted`` is the only form of the URL
/// that may appear in an error or a log.
public struct PostgresURL: Sendable, Equatable {
    /// The URL given, as written.
    public let text: String
    /// ``text`` without the `password_file` parameter: what libpq parses.
    public let connectionURL: String
    /// The decoded `password_file` parameter, if any.
    public let passwordFile: String?

    public init(_ text: String) {
        self.text = text
        guard let mark = text.firstIndex(of: "?") else {
            self.connectionURL = text
            self.passwordFile = nil
            return
        }
        var kept: [Substring] = []
        var passwordFile: String?
        for parameter in text[text.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false) {
            if parameter.hasPrefix("password_file=") {
                passwordFile = Self.percentDecoding(parameter.dropFirst("password_file=".count))
            } else {
                kept.append(parameter)
            }
        }
        let base = text[..<mark]
        self.connectionURL = kept.isEmpty ? String(base) : base + "?" + kept.joined(separator: "&")
        self.passwordFile = passwordFile
    }

    /// ``text`` with the password of the user part and any `password=` parameter replaced by `***`.
    public var redacted: String { Self.redacting(self.text) }

    /// `url` with the password of its user part (`user:PASSWORD@`) and any `password=` parameter replaced by `***`.
    public static func redacting(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://")?.upperBound else { return url }
        let query = url[schemeEnd...].firstIndex(of: "?")
        let authorityEnd = url[schemeEnd..<(query ?? url.endIndex)].firstIndex(of: "/") ?? query ?? url.endIndex
        var result = String(url[..<schemeEnd])
        let authority = url[schemeEnd..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            if let colon = user.firstIndex(of: ":") {
                result += user[..<colon] + ":***"
            } else {
                result += user
            }
            result += authority[at...]
        } else {
            result += authority
        }
        guard let query else { return result + url[authorityEnd...] }
        result += url[authorityEnd..<query] + "?"
        let parameters = url[url.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
        result += parameters.map { $0.hasPrefix("password=") ? "password=***" : String($0) }.joined(separator: "&")
        return result
    }

    /// `text` with `%XX` escapes decoded (and `+` kept); malformed escapes stay as written.
    public static func percentDecoding(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == 0x25, index + 2 < source.count, let high = Self.hexValue(source[index + 1]),
                let low = Self.hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
