/// What a field line means to keygate, decided from its name without allocating.
enum HTTPFieldKind: Sendable, Equatable {
    case read(HTTPReadField)
    case contentLength
    case transferEncoding
    case connection
    /// Validated and skipped.
    case other

    /// The kind of the token name at `bytes[start..<end]`, compared case-insensitively.
    static func of(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> HTTPFieldKind {
        // By length first: each length has at most four candidates, compared only when the length matches.
        func name(_ lowercase: StaticString) -> Bool { HTTPByte.matches(bytes, at: start, lowercase) }
        switch end - start {
        case 4: if name("host") { return .read(.host) }
        case 6:
            if name("origin") { return .read(.origin) }
            if name("accept") { return .read(.accept) }
        case 9:
            if name("x-api-key") { return .read(.xAPIKey) }
            if name("x-real-ip") { return .read(.xRealIP) }
        case 10: if name("connection") { return .connection }
        case 12: if name("x-request-id") { return .read(.xRequestID) }
        case 13: if name("authorization") { return .read(.authorization) }
        case 14:
            if name("x-original-uri") { return .read(.xOriginalURI) }
            if name("content-length") { return .contentLength }
            if name("x-keygate-cost") { return .read(.xKeygateCost) }
        case 15:
            if name("x-forwarded-for") { return .read(.xForwardedFor) }
            if name("x-keygate-scope") { return .read(.xKeygateScope) }
            if name("x-original-host") { return .read(.xOriginalHost) }
            if name("x-forwarded-uri") { return .read(.xForwardedURI) }
        case 16: if name("x-forwarded-host") { return .read(.xForwardedHost) }
        case 17:
            if name("x-original-method") { return .read(.xOriginalMethod) }
            if name("x-forwarded-proto") { return .read(.xForwardedProto) }
            if name("transfer-encoding") { return .transferEncoding }
        case 18: if name("x-forwarded-method") { return .read(.xForwardedMethod) }
        default: break
        }
        return .other
    }
}
