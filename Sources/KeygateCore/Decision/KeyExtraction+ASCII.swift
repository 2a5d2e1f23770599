extension KeyExtraction {
    /// ``extract(from:queryParameter:)`` without a query parameter, over bytes: `nil` when a header is not all ASCII
    /// (then the general path decides).
    ///
    /// For ASCII text bytes and characters coincide (a CR LF pair is one character, but neither a space nor a tab,
    /// and never part of `Bearer`) and equal strings have equal bytes, so this answers exactly as the general path,
    /// without building substrings; a key sent whole is returned as the very string the request holds.
    static func extractASCII(from request: AuthRequest, checkingShape: Bool = true) -> KeyExtraction? {
        var found: (text: String, token: Range<Int>)? = nil
        var sawEmpty = false
        /// False when `token` of `text` differs from the token already found.
        func offer(_ text: String, _ token: Range<Int>) -> Bool {
            if token.isEmpty {
                sawEmpty = true
                return true
            }
            if let found {
                return found.text.utf8.dropFirst(found.token.lowerBound).prefix(found.token.count)
                    .elementsEqual(text.utf8.dropFirst(token.lowerBound).prefix(token.count))
            }
            found = (text, token)
            return true
        }
        if let authorization = request.authorization {
            switch Self.asciiToken(of: authorization, bearer: true) {
            case .notASCII: return nil
            case .otherScheme: break  // Basic or another scheme: not ours to judge
            case .token(let token): guard offer(authorization, token) else { return .malformed }
            }
        }
        if let header = request.apiKeyHeader {
            switch Self.asciiToken(of: header, bearer: false) {
            case .notASCII: return nil
            case .otherScheme: break
            case .token(let token): guard offer(header, token) else { return .malformed }
            }
        }
        guard let (text, token) = found else { return sawEmpty ? .malformed : .missing }
        guard token.count <= maxCandidateBytes else { return .malformed }
        let whole = token.count == text.utf8.count
        let candidate = text.utf8.withContiguousStorageIfAvailable { utf8 -> String? in
            let bytes = UnsafeBufferPointer(rebasing: utf8[token])
            guard !checkingShape || APIKeyFormat.isWellFormed(utf8: UnsafeRawBufferPointer(bytes)) else { return nil }
            return whole ? text : String(decoding: bytes, as: UTF8.self)
        }
        guard let candidate else { return nil }  // (not contiguous: the general path copies)
        return candidate.map { .candidate($0) } ?? .malformed
    }

    /// Where a header's token is, read as bytes.
    enum ASCIIToken {
        case notASCII
        /// An `Authorization` value with a scheme other than Bearer.
        case otherScheme
        /// The byte range of the token, spaces and tabs trimmed; empty for a blank value or a bare `Bearer`.
        case token(Range<Int>)
    }

    /// The token of `header`: the whole value for `X-API-Key`, what follows `Bearer` (any case) when `bearer`.
    static func asciiToken(of header: String, bearer: Bool) -> ASCIIToken {
        header.utf8.withContiguousStorageIfAvailable { utf8 -> ASCIIToken in
            var isASCII = true
            for byte in utf8 where byte >= 0x80 { isASCII = false }
            guard isASCII else { return .notASCII }
            func isOWS(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            var end = utf8.count
            while start < end, isOWS(utf8[start]) { start += 1 }
            while end > start, isOWS(utf8[end - 1]) { end -= 1 }
            guard bearer else { return .token(start..<end) }
            var schemeEnd = start
            while schemeEnd < end, !isOWS(utf8[schemeEnd]) { schemeEnd += 1 }
            let scheme = UnsafeBufferPointer(rebasing: utf8[start..<schemeEnd])
            // ASCII lower-casing: only A-Z change, which is what `lowercased()` does to ASCII.
            guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }) else {
                return .otherScheme
            }
            start = schemeEnd
            while start < end, isOWS(utf8[start]) { start += 1 }
            return .token(start..<end)
        } ?? .notASCII
    }
}
