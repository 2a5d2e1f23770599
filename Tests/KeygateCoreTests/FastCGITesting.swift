import KeygateCore
import KeygateTesting
import Testing

/// Shared fixtures for the FastCGI suites: a seeded generator, stream builders and a driver for ``FastCGIConnection``.
enum FastCGITesting {
    /// Params as nginx's stock `fastcgi_params` sends them for an `auth_request` subrequest.
    static let nginxParams: [(String, String)] = [
        ("QUERY_STRING", ""),
        ("REQUEST_METHOD", "POST"),
        ("CONTENT_TYPE", "application/json"),
        ("CONTENT_LENGTH", "11"),
        ("SCRIPT_NAME", "/_auth"),
        ("REQUEST_URI", "/api/thing?q=1"),
        ("DOCUMENT_URI", "/_auth"),
        ("DOCUMENT_ROOT", "/usr/share/nginx/html"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_SCHEME", "http"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("SERVER_SOFTWARE", "nginx/1.22.1"),
        ("REMOTE_ADDR", "127.0.0.1"),
        ("REMOTE_PORT", "53412"),
        ("SERVER_ADDR", "127.0.0.1"),
        ("SERVER_PORT", "8080"),
        ("SERVER_NAME", "localhost"),
        ("REDIRECT_STATUS", "200"),
        ("HTTP_HOST", "localhost:8080"),
        ("HTTP_USER_AGENT", "curl/7.88.1"),
        ("HTTP_ACCEPT", "*/*"),
        ("HTTP_X_API_KEY", "kg_AbC123secretsecretsecret"),
    ]

    /// Params as mod_fcgid sends them for `FcgidAccessChecker` (AUTHORIZER role, no CONTENT_LENGTH, no STDIN).
    static let apacheParams: [(String, String)] = [
        ("FCGI_ROLE", "AUTHORIZER"),
        ("FCGI_APACHE_ROLE", "ACCESS_CHECKER"),
        ("REQUEST_METHOD", "POST"),
        ("REQUEST_URI", "/acc/index.txt?x=1"),
        ("QUERY_STRING", "x=1"),
        ("HTTP_CONNECTION", "close"),
        ("HTTP_AUTHORIZATION", "Bearer kg_AbC123secretsecretsecret"),
    ]

    typealias Generator = SeededRandom

    /// How a stream is cut into the chunks handed to ``FastCGIConnection/consume(_:output:onRequest:)``.
    enum Feeding: Sendable, CustomTestStringConvertible {
        case whole
        case byteByByte
        case random(seed: UInt64)

        var testDescription: String {
            switch self {
            case .whole: "whole"
            case .byteByByte: "byte by byte"
            case .random(let seed): "random splits (seed \(seed))"
            }
        }
    }

    /// Everything a connection did with one stream.
    struct Outcome: Equatable {
        var requests: [FastCGIRequest] = []
        var output: [UInt8] = []
        var error: FastCGIError?
        var wantsClose = false
        var isMidRequest = false
        /// The largest ``FastCGIConnection/bufferedByteCount`` seen between chunks; depends on the split, so `==`
        /// ignores it.
        var maxBufferedByteCount = 0

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.requests == rhs.requests && lhs.output == rhs.output && lhs.error == rhs.error
                && lhs.wantsClose == rhs.wantsClose && lhs.isMidRequest == rhs.isMidRequest
        }
    }

    /// The test application's answer: 204 with the request id and parameter count, body "ok".
    static func respond(to request: FastCGIRequest, output: inout [UInt8]) {
        let head = "Status: 204\r\nX-Request-Id: \(request.requestID)\r\nX-Param-Count: \(request.params.count)\r\n\r\n"
        FastCGIResponseWriter.appendResponse(
            requestID: request.requestID, head: head.utf8, body: "ok".utf8, to: &output)
    }

    /// The answer ``respond(to:output:)`` gives, as ``FastCGIClientDecoder`` reports it.
    static func answered(id: UInt16, paramCount: Int) -> FastCGIAnswer {
        let text = "Status: 204\r\nX-Request-Id: \(id)\r\nX-Param-Count: \(paramCount)\r\n\r\nok"
        return .response(requestID: id, stdout: Array(text.utf8), stderr: [], appStatus: 0, protocolStatus: 0)
    }

    /// An END_REQUEST with no STDOUT before it, as for rejected and aborted requests.
    static func ended(id: UInt16, _ status: FastCGIProtocolStatus) -> FastCGIAnswer {
        .response(requestID: id, stdout: [], stderr: [], appStatus: 0, protocolStatus: status.rawValue)
    }

    /// Feeds `stream` to a fresh connection in the chunks `feeding` describes; stops at the first error.
    static func serve(_ stream: [UInt8], feeding: Feeding = .whole, limits: FastCGILimits = FastCGILimits()) -> Outcome
    {
        var connection = FastCGIConnection(limits: limits)
        var requests: [FastCGIRequest] = []
        var output: [UInt8] = []
        var error: FastCGIError?
        var maxBuffered = 0
        var generator = Generator(seed: 0)
        if case .random(let seed) = feeding { generator = Generator(seed: seed) }
        var start = 0
        while start < stream.count && error == nil {
            let size: Int
            switch feeding {
            case .whole: size = stream.count
            case .byteByByte: size = 1
            case .random:
                // Mostly small cuts (inside headers and length prefixes), sometimes large ones.
                size =
                    Int.random(in: 0..<8, using: &generator) == 0
                    ? Int.random(in: 1...4096, using: &generator) : Int.random(in: 1...13, using: &generator)
            }
            let end = min(start + size, stream.count)
            error = Self.feed(Array(stream[start..<end]), to: &connection, output: &output) { request, output in
                requests.append(request)
                Self.respond(to: request, output: &output)
            }
            maxBuffered = max(maxBuffered, connection.bufferedByteCount)
            start = end
        }
        return Outcome(
            requests: requests, output: output, error: error, wantsClose: connection.progress == .finished,
            isMidRequest: connection.progress == .midRequest, maxBufferedByteCount: maxBuffered)
    }

    /// Feeds one chunk; returns the error it raised, if any.
    static func feed(
        _ chunk: [UInt8], to connection: inout FastCGIConnection, output: inout [UInt8],
        onRequest: (FastCGIRequest, inout [UInt8]) -> Void
    ) -> FastCGIError? {
        chunk.withUnsafeBytes { bytes -> FastCGIError? in
            do throws(FastCGIError) {
                try connection.consume(bytes, output: &output, onRequest: onRequest)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Decodes a server's output completely; fails the test if bytes are left over.
    static func answers(_ output: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [FastCGIAnswer]
    {
        var decoder = FastCGIClientDecoder()
        let answers = try decoder.consume(output)
        #expect(decoder.bufferedByteCount == 0, "incomplete record at the end", sourceLocation: sourceLocation)
        #expect(decoder.pendingRequestIDs.isEmpty, "stream without END_REQUEST", sourceLocation: sourceLocation)
        return answers
    }

    /// A whole request as a web server sends it: BEGIN_REQUEST, PARAMS, then (optionally) the empty STDIN.
    static func request(
        id: UInt16 = 1, role: UInt16 = 1, keepConnection: Bool = false, _ pairs: [(String, String)] = nginxParams,
        maxRecordContent: Int = 65_535, padding: UInt8 = 0, stdin: Bool = true
    ) -> [UInt8] {
        FastCGIClientEncoder.request(
            id: id, role: role, keepConnection: keepConnection, pairs, maxRecordContent: maxRecordContent,
            padding: padding, stdin: stdin)
    }

    /// The pairs of `params` in order, for comparisons.
    static func pairs(_ params: FastCGIParams) -> [String] {
        params.pairs.map { "\($0.0)=\($0.1)" }
    }

    /// `pairs` flattened the same way as ``pairs(_:)-(FastCGIParams)``.
    static func pairs(_ pairs: [(String, String)]) -> [String] {
        pairs.map { "\($0.0)=\($0.1)" }
    }
}
