/// One request whose PARAMS stream is complete, handed to the caller to answer.
public struct FastCGIRequest: Sendable, Equatable {
    public var requestID: UInt16
    /// Only `.responder` or `.authorizer` ever reach the caller; other roles are rejected by the connection.
    public var role: FastCGIRole
    /// The FCGI_KEEP_CONN flag: when false, the connection closes once this request is answered.
    public var keepConnection: Bool
    public var params: FastCGIParams

    public init(requestID: UInt16, role: FastCGIRole, keepConnection: Bool, params: FastCGIParams) {
        self.requestID = requestID
        self.role = role
        self.keepConnection = keepConnection
        self.params = params
    }
}
