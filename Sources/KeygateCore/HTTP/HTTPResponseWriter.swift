/// Encodes answers as HTTP/1.1 response heads. Never a body: every keygate answer is header-only, so the front end
/// can keep the connection.
public enum HTTPResponseWriter {
    /// Appends "HTTP/1.1 <status> <reason phrase>\r\n", the headers (name: value\r\n), then "Content-Length: 0\r\n"
    /// unless status is 204 or 1xx/304, then "Connection: close\r\n" when !keepAlive, or "Connection: keep-alive\r\n"
    /// when keepAlive && minorVersion == 0, then "\r\n". Never a body. Header values are written as given (callers
    /// sanitize, e.g. with ``AuthAnswer/headerSafe(_:)``). Tests and fixed answers use it; keygate's own answers go
    /// through ``append(_:keepAlive:minorVersion:to:)``.
    public static func append(
        status: Int, headers: [(name: String, value: String)], keepAlive: Bool, minorVersion: Int,
        to out: inout [UInt8]
    ) {
        var count = 0
        for header in headers { count += header.name.utf8.count + header.value.utf8.count + 4 }
        Self.append(status: status, headerBytes: count, keepAlive: keepAlive, minorVersion: minorVersion, to: &out) {
            writer in
            for header in headers {
                writer.append(header.name)
                writer.append(literal: ": ")
                writer.append(header.value)
                writer.append(literal: "\r\n")
            }
        }
    }

    /// Appends `answer` as an HTTP/1.1 forward-auth response: never a body (a body makes nginx drop the kept-alive
    /// upstream connection), `Content-Length: 0` on everything but 204, and `Connection: close` only when the
    /// request asked for it. Written in place into `out`, from the answer's typed fields and its key's cache.
    public static func append(_ answer: AuthAnswer, keepAlive: Bool, minorVersion: Int, to out: inout [UInt8]) {
        let fields = AnswerFields(answer)
        Self.append(
            status: answer.status, headerBytes: fields.capacity, keepAlive: keepAlive, minorVersion: minorVersion,
            to: &out
        ) { fields.write(to: &$0) }
    }

    /// The response head with the header lines `writeHeaders` writes (at most `headerBytes` bytes), written in one
    /// piece straight into `out`: this runs for every answer.
    private static func append(
        status: Int, headerBytes: Int, keepAlive: Bool, minorVersion: Int, to out: inout [UInt8],
        writeHeaders: (inout ByteWriter) -> Void
    ) {
        let line = Self.statusLine(status)
        let contentLength = status != 204 && status != 304 && !(100..<200).contains(status)
        let connection: StaticString? =
            !keepAlive ? "Connection: close\r\n" : minorVersion == 0 ? "Connection: keep-alive\r\n" : nil
        let count =
            (line?.utf8CodeUnitCount ?? 9 + 20 + 3) + headerBytes + (contentLength ? 19 : 0)
            + (connection?.utf8CodeUnitCount ?? 0) + 2
        ByteWriter.append(to: &out, capacity: count) { writer in
            if let line {
                writer.append(literal: line)
            } else {
                writer.append(literal: "HTTP/1.1 ")
                writer.append(decimal: status)
                writer.append(literal: " \r\n")
            }
            writeHeaders(&writer)
            if contentLength { writer.append(literal: "Content-Length: 0\r\n") }
            if let connection { writer.append(literal: connection) }
            writer.append(literal: "\r\n")
        }
    }

    /// The fixed 400/431 answer: status line, "Content-Length: 0", "Connection: close".
    public static func errorResponse(for error: HTTPHeadError) -> [UInt8] {
        error.status == 431 ? Self.headerFieldsTooLarge : Self.badRequest
    }

    private static let badRequest = Self.fixedError(status: 400)
    private static let headerFieldsTooLarge = Self.fixedError(status: 431)

    private static func fixedError(status: Int) -> [UInt8] {
        var out: [UInt8] = []
        Self.append(status: status, headers: [], keepAlive: false, minorVersion: 1, to: &out)
        return out
    }

    /// The whole status line for the statuses keygate and its front ends use; nil for others.
    static func statusLine(_ status: Int) -> StaticString? {
        switch status {
        case 200: "HTTP/1.1 200 OK\r\n"
        case 204: "HTTP/1.1 204 No Content\r\n"
        case 304: "HTTP/1.1 304 Not Modified\r\n"
        case 400: "HTTP/1.1 400 Bad Request\r\n"
        case 401: "HTTP/1.1 401 Unauthorized\r\n"
        case 403: "HTTP/1.1 403 Forbidden\r\n"
        case 404: "HTTP/1.1 404 Not Found\r\n"
        case 405: "HTTP/1.1 405 Method Not Allowed\r\n"
        case 408: "HTTP/1.1 408 Request Timeout\r\n"
        case 413: "HTTP/1.1 413 Content Too Large\r\n"
        case 414: "HTTP/1.1 414 URI Too Long\r\n"
        case 429: "HTTP/1.1 429 Too Many Requests\r\n"
        case 431: "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        case 500: "HTTP/1.1 500 Internal Server Error\r\n"
        case 502: "HTTP/1.1 502 Bad Gateway\r\n"
        case 503: "HTTP/1.1 503 Service Unavailable\r\n"
        case 504: "HTTP/1.1 504 Gateway Timeout\r\n"
        default: nil
        }
    }
}
