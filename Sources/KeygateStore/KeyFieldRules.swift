import KeygateCore

/// What keygate accepts for each administrator-supplied key property.
///
/// Each function returns the value to store (possibly normalised) or throws a ``KeyValidationError`` naming the field.
package enum KeyFieldRules {
    /// Longest name or owner, in characters.
    package static let maximumLabelLength = 200
    /// Longest scope or origin, in bytes.
    package static let maximumWordLength = 256
    /// Largest metadata document, in bytes.
    package static let maximumMetadataBytes = 65_536

    package static func name(_ name: String) throws(KeyValidationError) -> String {
        guard name.contains(where: { !$0.isWhitespace }) else {
            throw KeyValidationError(field: "name", reason: "must not be empty")
        }
        return try Self.label(name, field: "name")
    }

    package static func owner(_ owner: String) throws(KeyValidationError) -> String {
        try Self.label(owner, field: "owner")
    }

    /// Scopes without duplicates, in the order given.
    package static func scopes(_ scopes: [String]) throws(KeyValidationError) -> [String] {
        var unique: [String] = []
        for scope in scopes {
            try Self.word(scope, field: "scopes")
            if !unique.contains(scope) { unique.append(scope) }
        }
        return unique
    }

    /// Origins without duplicates; each is `null` or `scheme://host[:port]` with no path.
    package static func origins(_ origins: [String]) throws(KeyValidationError) -> [String] {
        var unique: [String] = []
        for origin in origins {
            try Self.word(origin, field: "origins")
            if origin != "null" {
                let parts = origin.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].contains("/") else {
                    throw KeyValidationError(
                        field: "origins",
                        reason: "\"\(origin)\" is not an origin: write scheme://host[:port], "
                            + "e.g. https://app.example.com")
                }
            }
            if !unique.contains(origin) { unique.append(origin) }
        }
        return unique
    }

    package static func metadata(_ metadataJSON: String) throws(KeyValidationError) -> String {
        guard metadataJSON.utf8.count <= Self.maximumMetadataBytes else {
            throw KeyValidationError(field: "metadata", reason: "is larger than \(Self.maximumMetadataBytes) bytes")
        }
        guard JSONSyntax.isObject(metadataJSON) else {
            throw KeyValidationError(field: "metadata", reason: "must be a JSON object, e.g. {\"team\":\"payments\"}")
        }
        return metadataJSON
    }

    package static func prefix(_ prefix: String) throws(KeyValidationError) -> String {
        guard APIKeyFormat.isValidPrefix(prefix) else {
            throw KeyValidationError(
                field: "prefix",
                reason: "\"\(prefix)\" must be 2-24 characters of a-z, 0-9 and _, start with a letter and end with _")
        }
        return prefix
    }

    package static func newExpiry(_ expiresAtSeconds: Int64?, now: Int64) throws(KeyValidationError) -> Int64? {
        if let expiresAtSeconds, expiresAtSeconds <= now {
            throw KeyValidationError(field: "expires", reason: "must be in the future for a new key")
        }
        return expiresAtSeconds
    }

    package static func grace(_ graceSeconds: Int64) throws(KeyValidationError) -> Int64 {
        guard graceSeconds >= 0 else { throw KeyValidationError(field: "grace", reason: "must not be negative") }
        return graceSeconds
    }

    /// A name-like text: at most ``maximumLabelLength`` characters, no control characters.
    private static func label(_ text: String, field: String) throws(KeyValidationError) -> String {
        guard text.count <= Self.maximumLabelLength else {
            throw KeyValidationError(field: field, reason: "is longer than \(Self.maximumLabelLength) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw KeyValidationError(field: field, reason: "must not contain control characters")
        }
        return text
    }

    /// A list entry: printable ASCII without spaces, 1-``maximumWordLength`` bytes.
    private static func word(_ text: String, field: String) throws(KeyValidationError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumWordLength,
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw KeyValidationError(
                field: field,
                reason: "\"\(text)\" must be 1-\(Self.maximumWordLength) printable ASCII characters without spaces")
        }
    }
}
