import KeygateCore

/// The wire protocol state of one connection. Each protocol turns bytes into `AuthRequest`s and answers back;
/// the decision path (``Gate``) and the event loop are shared. Public for `keygate-bench`, which measures the wire path
/// through it.
public enum Session {
    case fastCGI(FastCGIConnection)
    /// HTTP/1.1 forward auth (nginx `auth_request` to an HTTP upstream, Caddy, Traefik, Envoy), kept alive.
    case http(HTTPConnection, ForwardAuthStyle)
    /// Transient: holds no buffers while the real state is being mutated (keeps that state uniquely referenced).
    case detached

    /// Feeds received bytes, appending answers to `output`; throws a description of a protocol violation (for HTTP,
    /// after the fixed 400/431 answer was appended: the caller sends it, then closes).
    ///
    /// Returns true if these bytes completed at least one request, so a request still in progress began in them.
    public mutating func receive(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], gate: Gate, nowMicros: Int64
    ) throws -> Bool {
        var completed = false
        switch self {
        case .http(var connection, let style):
            self = .detached
            defer { self = .http(connection, style) }
            let failure = connection.consume(bytes, output: &output) { head, out in
                completed = true
                let answer = gate.answer(AuthRequest(http: head, style: style), nowMicros: nowMicros)
                HTTPResponseWriter.append(answer, keepAlive: head.keepAlive, minorVersion: head.minorVersion, to: &out)
            }
            if let failure { throw failure }
        case .fastCGI(var connection):
            self = .detached
            defer { self = .fastCGI(connection) }
            try connection.consume(bytes, output: &output) { request, out in
                completed = true
                let authRequest = AuthRequest(fastCGI: request, explaining: gate.policy.explainOnly)
                FastCGIResponseWriter.append(
                    Self.answer(authRequest, gate: gate, nowMicros: nowMicros), requestID: request.requestID, to: &out)
            }
        case .detached:
            preconditionFailure("receive on a detached session")
        }
        return completed
    }

    /// The gate's answer; but the explain pass answers only Apache's internal redirects of a denial (it never
    /// consumes anything, so it can neither be called directly to skip counting nor to spend someone's quota twice).
    static func answer(_ request: AuthRequest, gate: Gate, nowMicros: Int64) -> AuthAnswer {
        if request.profile.isExplainPass {
            guard let status = request.redirectStatus, [401, 403, 429].contains(status) else {
                return AuthAnswer.notFound(for: request.profile)
            }
        }
        return gate.answer(request, nowMicros: nowMicros)
    }

    /// Where the protocol stands: between requests, mid-request (a slow peer is timed out; a drain waits for it), or
    /// finished (the connection ends once the pending output is sent).
    public var progress: ProtocolProgress {
        switch self {
        case .fastCGI(let connection): return connection.progress
        case .http(let connection, _): return connection.progress
        case .detached: return .finished
        }
    }
}
