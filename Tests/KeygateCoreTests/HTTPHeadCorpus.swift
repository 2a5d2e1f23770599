import KeygateCore
import Testing

/// Request heads with the verdict each must get: llhttp 9.3 strict mode, plus keygate's stricter rules (no bodies, no
/// duplicates of fields it reads, bounded sizes, origin-form targets, HTTP/1.0 and 1.1 only).
struct HTTPHeadCorpusEntry: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    /// nil: a complete head.
    let expected: HTTPHeadError?

    init(_ name: String, _ bytes: [UInt8], _ expected: HTTPHeadError?) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
    }

    init(_ name: String, _ text: String, _ expected: HTTPHeadError?) {
        self.init(name, Array(text.utf8), expected)
    }

    var testDescription: String { self.name }
}

enum HTTPHeadCorpus {
    typealias E = HTTPHeadCorpusEntry
    static let requestLine = "GET / HTTP/1.1\r\n"

    /// The request line, `fields` (each CRLF-terminated) and the final empty line.
    static func fields(_ fields: String...) -> String {
        Self.requestLine + fields.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    /// The request line, `field` as raw bytes with CRLF, and the final empty line.
    static func rawField(_ field: [UInt8]) -> [UInt8] {
        Array(Self.requestLine.utf8) + field + Array("\r\n\r\n".utf8)
    }

    static func manyFields(_ count: Int) -> String {
        Self.requestLine + (0..<count).map { "X-F\($0): v\r\n" }.joined() + "\r\n"
    }

    static let valid: [E] = [
        E("nginx auth_request", HTTPTesting.head(HTTPTesting.nginxLines), nil),
        E("Caddy forward_auth", HTTPTesting.head(HTTPTesting.caddyLines), nil),
        E("Envoy ext_authz", HTTPTesting.head(HTTPTesting.envoyLines), nil),
        E("HTTP/1.0", "GET /a HTTP/1.0\r\nHost: a\r\n\r\n", nil),
        E("HTTP/1.0 keep-alive", "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", nil),
        E("Connection: close", Self.fields("Connection: close"), nil),
        E("no fields", "GET / HTTP/1.1\r\n\r\n", nil),
        E("two leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", nil),
        E("lowercase method (llhttp rejects, RFC allows)", "get / HTTP/1.1\r\n\r\n", nil),
        E("unknown token method", "PURGE-X / HTTP/1.1\r\n\r\n", nil),
        E("0x80-0xFF in value", Self.rawField(Array("X-Api-Key: k".utf8) + [0x80, 0xC3, 0xA9, 0xFF]), nil),
        E("underscore in name", Self.fields("X_Under: a"), nil),
        E("OWS around value", Self.fields("X-Api-Key: \t k \t "), nil),
        E("empty value", Self.fields("X-Api-Key:"), nil),
        E("Content-Length: 0", Self.fields("Content-Length: 0"), nil),
        E("Content-Length: 00", Self.fields("Content-Length: 00"), nil),
        E("64 field lines", Self.manyFields(64), nil),
        E("64-byte name", Self.fields(String(repeating: "n", count: 64) + ": v"), nil),
        E("4096-byte target", "GET /" + String(repeating: "t", count: 4095) + " HTTP/1.1\r\n\r\n", nil),
        E("head of exactly 8192 bytes", Self.fields("X-Pad: " + String(repeating: "p", count: 8192 - 27)), nil),
        E("Connection repeated", Self.fields("Connection: keep-alive", "Connection: Upgrade, CLOSE"), nil),
        E("query with every visible byte", "GET /a?!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ HTTP/1.1\r\n\r\n", nil),
    ]

    static let hostile: [E] = [
        // Line endings.
        E("bare LF everywhere", "GET / HTTP/1.1\nHost: a\n\n", .invalidLineEnding),
        E("bare LF after a field", Self.requestLine + "Host: a\n\r\n", .invalidLineEnding),
        E("bare LF ends the head", Self.requestLine + "Host: a\r\n\n", .invalidLineEnding),
        E("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", .invalidLineEnding),
        E("bare CR in value", Self.fields("Host: a\rb"), .invalidLineEnding),
        E("CR CR LF at the end", Self.requestLine + "Host: a\r\n\r\r\n", .invalidLineEnding),
        E("leading bare LF", "\nGET / HTTP/1.1\r\n\r\n", .invalidLineEnding),
        E("three leading empty lines", "\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", .invalidRequestLine),
        // Field lines.
        E("obs-fold with space", Self.fields("X-A: b", " c"), .obsFold),
        E("obs-fold with tab", Self.fields("X-A: b", "\tc"), .obsFold),
        E("first field line folded", Self.fields(" Host: a"), .obsFold),
        E("space before colon", Self.fields("Host : a"), .invalidFieldName),
        E("tab before colon", Self.fields("Host\t: a"), .invalidFieldName),
        E("space in name", Self.fields("X A: b"), .invalidFieldName),
        E("empty name", Self.fields(": b"), .invalidFieldName),
        E("no colon", Self.fields("Host"), .invalidFieldName),
        E("separator in name", Self.fields("X(A): b"), .invalidFieldName),
        E("NUL in name", Self.rawField(Array("X-".utf8) + [0x00] + Array(": b".utf8)), .invalidFieldName),
        E("NUL in value", Self.rawField(Array("X-A: a".utf8) + [0x00] + Array("b".utf8)), .invalidFieldValue),
        E("0x01 in value", Self.rawField(Array("X-A: a".utf8) + [0x01]), .invalidFieldValue),
        E("0x7F in value", Self.rawField(Array("X-A: a".utf8) + [0x7F]), .invalidFieldValue),
        E("0x1B in Authorization", Self.rawField(Array("Authorization: a".utf8) + [0x1B]), .invalidFieldValue),
        // Bodies and smuggling shapes.
        E("CL + TE", Self.fields("Content-Length: 0", "Transfer-Encoding: chunked"), .bodyNotAllowed),
        E("TE + CL (TE.CL)", Self.fields("Transfer-Encoding: chunked", "Content-Length: 6"), .bodyNotAllowed),
        E("CL.TE smuggling", Self.fields("Content-Length: 6", "Transfer-Encoding: chunked"), .bodyNotAllowed),
        E("TE chunked on POST", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", .bodyNotAllowed),
        E("TE identity on GET", Self.fields("Transfer-Encoding: identity"), .bodyNotAllowed),
        E("TE with tab", Self.fields("Transfer-Encoding:\tchunked"), .bodyNotAllowed),
        E("TE lowercase, odd value", Self.fields("transfer-encoding: xchunked"), .bodyNotAllowed),
        E("TE with space before colon", Self.fields("Transfer-Encoding : chunked"), .invalidFieldName),
        E("TE hidden in obs-fold", Self.fields("X-A: b", " Transfer-Encoding: chunked"), .obsFold),
        E("duplicate CL equal", Self.fields("Content-Length: 0", "Content-Length: 0"), .duplicateContentLength),
        E("duplicate CL unequal", Self.fields("Content-Length: 0", "Content-Length: 5"), .duplicateContentLength),
        E("CL 0, 0", Self.fields("Content-Length: 0, 0"), .invalidContentLength),
        E("CL +5", Self.fields("Content-Length: +5"), .invalidContentLength),
        E("CL +0", Self.fields("Content-Length: +0"), .invalidContentLength),
        E("CL -1", Self.fields("Content-Length: -1"), .invalidContentLength),
        E("CL overflowing", Self.fields("Content-Length: 99999999999999999999999"), .invalidContentLength),
        E("CL empty", Self.fields("Content-Length:"), .invalidContentLength),
        E("CL space inside", Self.fields("Content-Length: 0 0"), .invalidContentLength),
        E("CL hex", Self.fields("Content-Length: 0x0"), .invalidContentLength),
        E("CL 5", Self.fields("Content-Length: 5"), .bodyNotAllowed),
        E("CL 5 on POST", "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", .bodyNotAllowed),
        // Request line.
        E("HTTP/0.9", "GET /a\r\n\r\n", .unsupportedVersion),
        E("HTTP/0.9 with bare LF", "GET /a\n", .unsupportedVersion),
        E("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", .unsupportedVersion),
        E("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", .unsupportedVersion),
        E("HTTP/1.10", "GET / HTTP/1.10\r\n\r\n", .unsupportedVersion),
        E("lowercase version", "GET / http/1.1\r\n\r\n", .invalidRequestLine),
        E("version without minor", "GET / HTTP/1\r\n\r\n", .invalidRequestLine),
        E("trailing space after version", "GET / HTTP/1.1 \r\n\r\n", .invalidRequestLine),
        E("absolute-form target", "GET http://a.example/b HTTP/1.1\r\n\r\n", .invalidTarget),
        E("asterisk-form target", "OPTIONS * HTTP/1.1\r\n\r\n", .invalidTarget),
        E("authority-form target", "CONNECT a.example:443 HTTP/1.1\r\n\r\n", .invalidTarget),
        E("double space before target", "GET  / HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("double space before version", "GET /  HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("tab after method", "GET\t/ HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("tab after target", "GET /\tHTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("missing target", "GET HTTP/1.1\r\n\r\n", .invalidTarget),
        E("missing target, two spaces", "GET  HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("method only", "GET\r\n\r\n", .invalidRequestLine),
        E("separator in method", "G(ET / HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("leading space", " GET / HTTP/1.1\r\n\r\n", .invalidRequestLine),
        E("0x80 in target", Array("GET /a".utf8) + [0x80] + Array(" HTTP/1.1\r\n\r\n".utf8), .invalidTarget),
        E("DEL in target", Array("GET /a".utf8) + [0x7F] + Array(" HTTP/1.1\r\n\r\n".utf8), .invalidTarget),
        E("NUL in target", Array("GET /a".utf8) + [0x00] + Array(" HTTP/1.1\r\n\r\n".utf8), .invalidTarget),
        E("NUL in method", Array("GE".utf8) + [0x00] + Array("T / HTTP/1.1\r\n\r\n".utf8), .invalidRequestLine),
        // Bounds.
        E("65 field lines", Self.manyFields(65), .tooManyFields),
        E("10 KB value", Self.fields("X-Big: " + String(repeating: "v", count: 10_240)), .headTooLarge),
        E("head of 8193 bytes", Self.fields("X-Pad: " + String(repeating: "p", count: 8192 - 26)), .headTooLarge),
        E("65-byte name", Self.fields(String(repeating: "n", count: 65) + ": v"), .nameTooLong),
        E("4097-byte target", "GET /" + String(repeating: "t", count: 4096) + " HTTP/1.1\r\n\r\n", .targetTooLong),
        // Duplicates of fields keygate reads.
        E(
            "duplicate Authorization", Self.fields("Authorization: Bearer a", "Authorization: Bearer b"),
            .duplicateField(.authorization)),
        E("duplicate X-Api-Key", Self.fields("X-Api-Key: a", "x-api-key: a"), .duplicateField(.xAPIKey)),
        E(
            "duplicate X-Original-URI", Self.fields("X-Original-URI: /a", "X-Original-Uri: /b"),
            .duplicateField(.xOriginalURI)),
        E("duplicate Host", Self.fields("Host: a", "HOST: b"), .duplicateField(.host)),
        E(
            "duplicate X-Forwarded-For", Self.fields("X-Forwarded-For: 1.2.3.4", "X-Forwarded-For: 5.6.7.8"),
            .duplicateField(.xForwardedFor)),
        E("duplicate empty X-Api-Key", Self.fields("X-Api-Key:", "X-Api-Key: a"), .duplicateField(.xAPIKey)),
    ]

    static let all = Self.valid + Self.hostile
}
