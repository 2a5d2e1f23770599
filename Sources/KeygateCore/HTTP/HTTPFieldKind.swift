/// What a field line means to keygate, decided from its name without allocating.
enum HTTPFieldKind: Sendable, Equatable {
    case read(HTTPReadField)
    case contentLength
    case transferEncoding
    case connection
    /// Validated and skipped.
    case other

    /// Lowercase names of every field that is not ``other``.
    private static let known: [(name: StaticString, kind: HTTPFieldKind)] = [
        ("host", .read(.host)),
        ("authorization", .read(.authorization)),
        ("x-api-key", .read(.xAPIKey)),
        ("x-original-uri", .read(.xOriginalURI)),
        ("x-original-method", .read(.xOriginalMethod)),
        ("x-original-host", .read(.xOriginalHost)),
        ("x-forwarded-uri", .read(.xForwardedURI)),
        ("x-forwarded-method", .read(.xForwardedMethod)),
        ("x-forwarded-host", .read(.xForwardedHost)),
        ("x-forwarded-proto", .read(.xForwardedProto)),
        ("x-forwarded-for", .read(.xForwardedFor)),
        ("x-real-ip", .read(.xRealIP)),
        ("origin", .read(.origin)),
        ("x-keygate-scope", .read(.xKeygateScope)),
        ("x-keygate-cost", .read(.xKeygateCost)),
        ("content-length", .contentLength),
        ("transfer-encoding", .transferEncoding),
        ("connection", .connection),
    ]

    /// The kind of the token name at `bytes[start..<end]`, compared case-insensitively.
    static func of(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> HTTPFieldKind {
        let count = end - start
        for entry in Self.known
        where entry.name.utf8CodeUnitCount == count && HTTPByte.matches(bytes, at: start, entry.name) {
            return entry.kind
        }
        return .other
    }
}
