// TEMPORARY stub until the parser branch merges.
public struct HTTPHeadLimits: Sendable, Equatable { public init() {} }
public enum HTTPReadField: Int, CaseIterable, Sendable {
    case host, authorization, xAPIKey, xOriginalURI, xOriginalMethod, xOriginalHost,
         xForwardedURI, xForwardedMethod, xForwardedHost, xForwardedProto, xForwardedFor, xRealIP,
         origin, xKeygateScope, xKeygateCost
}
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String = "GET"
    public var target: String = "/"
    public var minorVersion: Int = 1
    public var keepAlive: Bool = true
    public subscript(field: HTTPReadField) -> String? { nil }
}
public enum HTTPHeadError: Error, Sendable, Equatable { case x }
public struct HTTPConnection: Sendable {
    public init(limits: HTTPHeadLimits = HTTPHeadLimits()) {}
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8], answer: (HTTPRequestHead, inout [UInt8]) -> Void) -> HTTPHeadError? { nil }
    public var wantsClose: Bool { false }
    public var bufferedByteCount: Int { 0 }
    public var isMidRequest: Bool { false }
}
public enum HTTPResponseWriter {
    public static func append(status: Int, headers: [(name: String, value: String)], keepAlive: Bool, minorVersion: Int, to out: inout [UInt8]) {}
}
