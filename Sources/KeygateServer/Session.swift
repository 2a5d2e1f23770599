import KeygateCore

/// The wire protocol state of one connection. Each protocol turns bytes into `AuthRequest`s and answers back;
/// the decision path (``Gate``) and the event loop are shared. Public for `keygate-bench`, which measures the wire path
/// through it.
///
/// A class, so that the connection state is mutated where it lives: held in an enum, it would be moved out and back
/// (a copy of the head scanner's state and a reference count on its buffer) on every read.
public final class Session {
    private enum Wire {
        case fastCGI
        /// HTTP/1.1 forward auth (nginx `auth_request` to an HTTP upstream, Caddy, Traefik, Envoy), kept alive.
        case http(ForwardAuthStyle)
    }

    private let wire: Wire
    // Touched only by the worker thread that owns the connection, never passed `inout` into a call that could reach it
    // again: the dynamic exclusivity check would find nothing.
    @exclusivity(unchecked) private var fastCGIConnection: FastCGIConnection?
    @exclusivity(unchecked) private var httpConnection: HTTPConnection?

    private init(wire: Wire, fastCGI: FastCGIConnection?, http: HTTPConnection?) {
        self.wire = wire
        self.fastCGIConnection = fastCGI
        self.httpConnection = http
    }

    /// A FastCGI connection (nginx `fastcgi_pass`, Apache mod_fcgid and mod_authnz_fcgi).
    public static func fastCGI(_ connection: FastCGIConnection) -> Session {
        Session(wire: .fastCGI, fastCGI: connection, http: nil)
    }

    /// An HTTP/1.1 forward-auth connection from the front end `style` describes.
    public static func http(_ connection: HTTPConnection, _ style: ForwardAuthStyle) -> Session {
        Session(wire: .http(style), fastCGI: nil, http: connection)
    }

    /// Feeds received bytes, appending answers to `output`; throws a description of a protocol violation (for HTTP,
    /// after the fixed 400/431 answer was appended: the caller sends it, then closes).
    ///
    /// Returns true if these bytes completed at least one request, so a request still in progress began in them.
    public func receive(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], gate: Gate, nowMicros: Int64
    ) throws -> Bool {
        var completed = false
        switch self.wire {
        case .http(let style):
            let failure = self.httpConnection!.consume(bytes, output: &output) { head, out in
                completed = true
                let answer = gate.answer(AuthRequest(http: head, style: style), nowMicros: nowMicros)
                HTTPResponseWriter.append(answer, keepAlive: head.keepAlive, minorVersion: head.minorVersion, to: &out)
            }
            if let failure { throw failure }
        case .fastCGI:
            try self.fastCGIConnection!.consume(bytes, output: &output) { request, out in
                completed = true
                let authRequest = AuthRequest(fastCGI: request, explaining: gate.policy.explainOnly)
                FastCGIResponseWriter.append(
                    Self.answer(authRequest, gate: gate, nowMicros: nowMicros), requestID: request.requestID, to: &out)
            }
        }
        return completed
    }

    /// The answer to one request of a CGI program (``CGIEnvironment``): the FastCGI mapping and the FastCGI
    /// answer, as the CGI stream (`Status: …` line, header lines, empty line, body) that STDOUT carries under FastCGI.
    public static func cgiAnswer(_ request: FastCGIRequest, gate: Gate, nowMicros: Int64) -> [UInt8] {
        let authRequest = AuthRequest(fastCGI: request, explaining: gate.policy.explainOnly)
        return Self.answer(authRequest, gate: gate, nowMicros: nowMicros).cgiStream()
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
        switch self.wire {
        case .fastCGI: self.fastCGIConnection!.progress
        case .http: self.httpConnection!.progress
        }
    }
}
