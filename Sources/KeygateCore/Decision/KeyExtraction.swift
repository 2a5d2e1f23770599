/// Finds the API key a request carries, before anything is hashed or looked up.
public enum KeyExtraction: Equatable, Sendable {
    case missing
    /// Key-like input that cannot be a valid key (bad shape or checksum, two different keys, too long).
    case malformed
    /// A well-formed key; the only form that is ever hashed.
    case candidate(String)

    /// Longest input even looked at; real keys are far shorter, so longer input is malformed without scanning it.
    public static let maxCandidateBytes = 128

    /// Extracts from `Authorization: Bearer`, `X-API-Key` and, only if `queryParameter` is set, the query string.
    ///
    /// Two sources carrying different values make the request malformed: keygate never guesses which one counts.
    ///
    /// With `checkingShape` false, a ``candidate(_:)`` is only what was presented, its shape and checksum not yet
    /// checked (``APIKeyFormat/isWellFormed(_:)``): for the gate, which checks it only for a secret its cache does not
    /// know (a cached secret was checked when it was cached).
    public static func extract(
        from request: AuthRequest, queryParameter: String?, checkingShape: Bool = true
    ) -> KeyExtraction {
        if queryParameter == nil, let result = Self.extractASCII(from: request, checkingShape: checkingShape) {
            return result
        }
        var found: Substring? = nil
        var sawEmpty = false
        func offer(_ value: Substring?) -> Bool {
            guard let value else { return true }
            if value.isEmpty {
                sawEmpty = true
                return true
            }
            if let found, found != value { return false }
            found = value
            return true
        }
        if let authorization = request.authorization {
            switch bearerToken(authorization) {
            case .some(let token): guard offer(token) else { return .malformed }
            case .none: break  // Basic or another scheme: not ours to judge
            }
        }
        if let header = request.apiKeyHeader {
            guard offer(trimmingOWS(header[...])) else { return .malformed }
        }
        if let name = queryParameter, let value = queryValue(named: name, in: request.uri) {
            guard offer(value) else { return .malformed }
        }
        guard let key = found else { return sawEmpty ? .malformed : .missing }
        guard key.utf8.count <= maxCandidateBytes else { return .malformed }
        let candidate = String(key)
        guard !checkingShape || APIKeyFormat.isWellFormed(candidate) else { return .malformed }
        return .candidate(candidate)
    }

    /// The token of `Bearer <token>` (scheme case-insensitive), `""` for a Bearer without a token, `nil` for other schemes.
    static func bearerToken(_ header: String) -> Substring? {
        let value = trimmingOWS(header[...])
        let scheme = value.prefix { $0 != " " && $0 != "\t" }
        guard scheme.lowercased() == "bearer" else { return nil }
        return trimmingOWS(value.dropFirst(scheme.count))
    }

    /// The raw value of `name` in the query of `uri`, or `nil`; an empty `name=` yields `""`.
    static func queryValue(named name: String, in uri: String) -> Substring? {
        guard let questionMark = uri.firstIndex(of: "?") else { return nil }
        var query = uri[uri.index(after: questionMark)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name[...] { return parts.count == 2 ? parts[1] : "" }
        }
        return nil
    }

    static func trimmingOWS(_ text: Substring) -> Substring {
        var slice = text
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
