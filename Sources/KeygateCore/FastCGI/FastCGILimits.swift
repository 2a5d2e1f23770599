/// Bounds the server applies to each connection.
public struct FastCGILimits: Sendable, Equatable {
    /// Total PARAMS stream content of one request, length prefixes included.
    public var maxParamsBytes: Int
    /// Name-value pairs in one request.
    public var maxParamCount: Int
    /// Advertised as `FCGI_MAX_CONNS` in GET_VALUES_RESULT.
    public var maxConnections: Int
    /// Advertised as `FCGI_MAX_REQS` in GET_VALUES_RESULT.
    public var maxRequests: Int

    public init(
        maxParamsBytes: Int = 65_536, maxParamCount: Int = 512, maxConnections: Int = 1024, maxRequests: Int = 1024
    ) {
        self.maxParamsBytes = maxParamsBytes
        self.maxParamCount = maxParamCount
        self.maxConnections = maxConnections
        self.maxRequests = maxRequests
    }
}
