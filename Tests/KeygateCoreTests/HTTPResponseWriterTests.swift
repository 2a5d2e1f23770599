import KeygateCore
import Testing

/// Response heads, byte for byte.
struct HTTPResponseWriterTests {
    static func written(
        _ status: Int, _ headers: [(name: String, value: String)] = [], keepAlive: Bool = true, minorVersion: Int = 1
    ) -> String {
        var out: [UInt8] = []
        HTTPResponseWriter.append(
            status: status, headers: headers, keepAlive: keepAlive, minorVersion: minorVersion, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func noContentKeepAlive() {
        #expect(Self.written(204) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(
            Self.written(204, [("X-Keygate-Key-Id", "k1"), ("X-Keygate-Scopes", "read write")])
                == "HTTP/1.1 204 No Content\r\nX-Keygate-Key-Id: k1\r\nX-Keygate-Scopes: read write\r\n\r\n")
    }

    @Test func okWithZeroContentLength() {
        #expect(Self.written(200) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func forbiddenWithHeaders() {
        let headers: [(name: String, value: String)] = [
            ("X-Keygate-Reason", "rate_limited"), ("X-Keygate-Deny", "429"), ("Retry-After", "7"),
        ]
        #expect(
            Self.written(403, headers)
                == "HTTP/1.1 403 Forbidden\r\nX-Keygate-Reason: rate_limited\r\nX-Keygate-Deny: 429\r\n"
                + "Retry-After: 7\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func http10KeepAlive() {
        #expect(Self.written(204, minorVersion: 0) == "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n")
        #expect(
            Self.written(401, [("WWW-Authenticate", "Bearer realm=\"api\"")], minorVersion: 0)
                == "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"api\"\r\nContent-Length: 0\r\n"
                + "Connection: keep-alive\r\n\r\n")
    }

    @Test func close() {
        #expect(Self.written(204, keepAlive: false) == "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        #expect(
            Self.written(403, keepAlive: false, minorVersion: 0)
                == "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test func statusesWithoutContentLength() {
        #expect(Self.written(304) == "HTTP/1.1 304 Not Modified\r\n\r\n")
        #expect(Self.written(100) == "HTTP/1.1 100 \r\n\r\n")
        #expect(Self.written(199) == "HTTP/1.1 199 \r\n\r\n")
    }

    @Test func statusWithoutKnownPhrase() {
        #expect(Self.written(299) == "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n")
        #expect(Self.written(429) == "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func appendsToWhatIsThere() {
        var out = Array("before".utf8)
        HTTPResponseWriter.append(status: 204, headers: [], keepAlive: true, minorVersion: 1, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "beforeHTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test func errorResponses() {
        #expect(
            HTTPResponseWriter.errorResponse(for: .invalidLineEnding)
                == Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        #expect(
            HTTPResponseWriter.errorResponse(for: .headTooLarge)
                == Array(
                    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .utf8))
        #expect(
            HTTPResponseWriter.errorResponse(for: .tooManyFields) == HTTPResponseWriter.errorResponse(for: .nameTooLong)
        )
        #expect(
            HTTPResponseWriter.errorResponse(for: .duplicateField(.host))
                == HTTPResponseWriter.errorResponse(for: .targetTooLong))
    }
}
