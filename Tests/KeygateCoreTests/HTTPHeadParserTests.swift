import Testing

@testable import KeygateCore

/// Heads real front ends send, and what the parser reports about them.
struct HTTPHeadParserTests {
    typealias T = HTTPTesting

    static func parsed(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> HTTPRequestHead {
        let result = T.parse(bytes)
        let head = try #require(T.completeHead(result), "\(result)", sourceLocation: sourceLocation)
        #expect(result == .complete(head, consumed: bytes.count), sourceLocation: sourceLocation)
        return head
    }

    @Test func nginxAuthRequestHead() throws {
        let bytes = T.head(T.nginxLines)
        #expect(bytes.count < 256)
        let head = try Self.parsed(bytes)
        #expect(head.method == "GET")
        #expect(head.target == "/_keygate")
        #expect(head.minorVersion == 1)
        #expect(head.keepAlive)
        #expect(head[.xOriginalURI] == "/api/thing?x=1&y=%20z")
        #expect(head[.xOriginalMethod] == "POST")
        #expect(head[.xForwardedFor] == "127.0.0.1")
        #expect(head[.authorization] == "Bearer kg_AbC123secretsecretsecret")
        #expect(head[.xAPIKey] == "kg_AbC123secretsecretsecret")
        #expect(head[.host] == "keygate")
        #expect(head[.xForwardedURI] == nil)
        #expect(head[.origin] == nil)
    }

    @Test func aRequestIDAndAcceptAreReadAndMayRepeatWhereDecisionFieldsMayNot() throws {
        let head = try Self.parsed(
            T.head(
                T.nginxLines + [
                    "X-Request-ID: 3f2a", "x-request-id: again", "Accept: application/openmetrics-text",
                    "Accept: text/plain",
                ]))
        #expect(head[.xRequestID] == "3f2a")
        #expect(head[.accept] == "application/openmetrics-text")
        #expect(AuthRequest(http: head, style: ForwardAuthStyle(frontEnd: .nginx)).requestID == "3f2a")
        let repeated = T.parse(T.head(T.nginxLines + ["Origin: a", "Origin: b"]))
        #expect(repeated == .invalid(.duplicateField(.origin)))
    }

    @Test func caddyForwardAuthHead() throws {
        let head = try Self.parsed(T.head(T.caddyLines))
        #expect(head.method == "GET")
        #expect(head.target == "/auth?q=1")
        #expect(head.keepAlive)
        #expect(head[.host] == "example.com")
        #expect(head[.xAPIKey] == "kg_AbC123secretsecretsecret")
        #expect(head[.xForwardedFor] == "127.0.0.1")
        #expect(head[.xForwardedHost] == "example.com")
        #expect(head[.xForwardedMethod] == "POST")
        #expect(head[.xForwardedProto] == "http")
        #expect(head[.xForwardedURI] == "/allow/x?q=1")
        #expect(head[.xOriginalURI] == nil)
        #expect(head[.authorization] == nil)
    }

    @Test func envoyExtAuthzHead() throws {
        let head = try Self.parsed(T.head(T.envoyLines))
        #expect(head.method == "POST")
        #expect(head.target == "/ext_authz/api/thing?page=2")
        #expect(head.keepAlive)
        #expect(head[.host] == "example.com")
        #expect(head[.authorization] == "Bearer kg_AbC123secretsecretsecret")
        #expect(head[.xForwardedProto] == "https")
        #expect(head[.xForwardedFor] == "10.0.0.1")
    }

    @Test(
        arguments: [
            ("GET / HTTP/1.1", [], true),
            ("GET / HTTP/1.1", ["Connection: close"], false),
            ("GET / HTTP/1.1", ["Connection: keep-alive"], true),
            ("GET / HTTP/1.1", ["Connection: Keep-Alive, Close"], false),
            ("GET / HTTP/1.1", ["Connection: upgrade ,\tCLOSE\t"], false),
            ("GET / HTTP/1.1", ["Connection: keep-alive", "connection: close"], false),
            ("GET / HTTP/1.1", ["Connection: closed"], true),
            ("GET / HTTP/1.1", ["Connection: ,,"], true),
            ("GET / HTTP/1.0", [], false),
            ("GET / HTTP/1.0", ["Connection: keep-alive"], true),
            ("GET / HTTP/1.0", ["CONNECTION:  KEEP-ALIVE "], true),
            ("GET / HTTP/1.0", ["Connection: keep-alive, close"], false),
            ("GET / HTTP/1.0", ["Connection: keep-alives"], false),
        ] as [(String, [String], Bool)])
    func keepAlive(requestLine: String, fields: [String], expected: Bool) throws {
        let head = try Self.parsed(T.head([requestLine] + fields))
        #expect(head.keepAlive == expected)
        #expect(head.minorVersion == (requestLine.hasSuffix("1.0") ? 0 : 1))
    }

    @Test func namesAreMatchedCaseInsensitively() throws {
        let head = try Self.parsed(
            T.head([
                "GET / HTTP/1.1", "x-api-key: a", "AUTHORIZATION: b", "x-OrIgInAl-uRi: /c", "hOST: d",
                "x-keygate-scope: read", "X-KEYGATE-COST: 3", "origin: https://e", "x-real-ip: 10.1.2.3",
                "X-Original-Host: f", "x-forwarded-method: PUT",
            ]))
        #expect(head[.xAPIKey] == "a")
        #expect(head[.authorization] == "b")
        #expect(head[.xOriginalURI] == "/c")
        #expect(head[.host] == "d")
        #expect(head[.xKeygateScope] == "read")
        #expect(head[.xKeygateCost] == "3")
        #expect(head[.origin] == "https://e")
        #expect(head[.xRealIP] == "10.1.2.3")
        #expect(head[.xOriginalHost] == "f")
        #expect(head[.xForwardedMethod] == "PUT")
    }

    @Test func nearMissNamesAreNotRead() throws {
        let head = try Self.parsed(
            T.head(["GET / HTTP/1.1", "X-Api-Keys: a", "X-Api-Ke: b", "Hosts: c", "X_Api_Key: d", "Xhost: e"]))
        for field in HTTPReadField.allCases { #expect(head[field] == nil, "\(field.name)") }
    }

    @Test func valuesAreTrimmedOfOptionalWhitespace() throws {
        let head = try Self.parsed(
            T.head(["GET / HTTP/1.1", "X-Api-Key: \t  k e y\t \t", "Host:h", "Authorization:   ", "Origin:\t"]))
        #expect(head[.xAPIKey] == "k e y")
        #expect(head[.host] == "h")
        #expect(head[.authorization] == "")
        #expect(head[.origin] == "")
    }

    @Test func highBytesInValuesAreKept() throws {
        let bytes = HTTPHeadCorpus.rawField(Array("X-Original-URI: /caf".utf8) + [0xC3, 0xA9, 0x20, 0xFF, 0x80])
        let head = try Self.parsed(bytes)
        #expect(head[.xOriginalURI] == "/caf\u{E9} \u{FFFD}\u{FFFD}")
    }

    @Test func leadingEmptyLinesAreConsumed() throws {
        let bytes = Array("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let head = try Self.parsed(bytes)
        #expect(head.target == "/x")
        #expect(head[.host] == "a")
    }

    @Test func onlyTheFirstHeadIsConsumed() throws {
        let first = T.head(["GET /one HTTP/1.1", "Content-Length: 0"])
        let bytes = first + Array("GET /two HTTP/1.1\r\n\r\n".utf8)
        guard case .complete(let head, let consumed) = T.parse(bytes) else {
            Issue.record("not complete")
            return
        }
        #expect(head.target == "/one")
        #expect(consumed == first.count)
    }

    @Test func methodAndTargetAreKeptAsReceived() throws {
        let head = try Self.parsed(T.head(["pAtCh /A%2Fb?c=D&e HTTP/1.0"]))
        #expect(head.method == "pAtCh")
        #expect(head.target == "/A%2Fb?c=D&e")
        #expect(head.minorVersion == 0)
    }

    @Test func everyPrefixOfAValidHeadIsIncomplete() {
        for bytes in [T.head(T.nginxLines), T.head(T.caddyLines), T.head(T.envoyLines)] {
            for count in 0..<bytes.count {
                #expect(T.parse(Array(bytes[..<count])) == .incomplete, "prefix \(count)")
            }
        }
    }

    @Test func customLimitsApply() {
        let limits = HTTPHeadLimits(maxHeadBytes: 64, maxFieldLines: 2, maxNameBytes: 4, maxTargetBytes: 8)
        #expect(
            T.completeHead(T.parse(T.head(["GET /1234567 HTTP/1.1", "Host: a", "Abcd: b"]), limits: limits)) != nil)
        #expect(T.parse(T.head(["GET /12345678 HTTP/1.1"]), limits: limits) == .invalid(.targetTooLong))
        #expect(T.parse(T.head(["GET / HTTP/1.1", "Abcde: b"]), limits: limits) == .invalid(.nameTooLong))
        #expect(
            T.parse(T.head(["GET / HTTP/1.1", "A: 1", "B: 2", "C: 3"]), limits: limits) == .invalid(.tooManyFields))
        #expect(
            T.parse(T.head(["GET / HTTP/1.1", "A: " + String(repeating: "x", count: 50)]), limits: limits)
                == .invalid(.headTooLarge))
        // 64 bytes without an end are too large even when every line so far is valid.
        #expect(T.parse(Array(repeating: UInt8(ascii: "A"), count: 64), limits: limits) == .invalid(.headTooLarge))
        #expect(T.parse(Array(repeating: UInt8(ascii: "A"), count: 63), limits: limits) == .incomplete)
    }

    @Test func defaultLimits() {
        let limits = HTTPHeadLimits()
        #expect(limits.maxHeadBytes == 8192)
        #expect(limits.maxFieldLines == 64)
        #expect(limits.maxNameBytes == 64)
        #expect(limits.maxTargetBytes == 4096)
    }

    @Test func garbageIsRejectedAtOnce() {
        #expect(T.parse(Array("\u{16}\u{03}\u{01}".utf8)) == .invalid(.invalidRequestLine))  // a TLS ClientHello
        #expect(T.parse(Array("PRI * HTTP/2.0\r\n".utf8)) == .invalid(.invalidTarget))  // the HTTP/2 preface
        #expect(T.parse(Array("GET / HTTP/1.1\r\nX-A: \u{0}".utf8)) == .invalid(.invalidFieldValue))
    }

    @Test func readFieldNames() {
        #expect(HTTPReadField.allCases.count == 17)
        #expect(HTTPReadField.allCases.filter(\.mayRepeat) == [.xRequestID, .accept])
        #expect(HTTPReadField.xAPIKey.name == "X-Api-Key")
        #expect(HTTPReadField.xOriginalURI.name == "X-Original-URI")
        #expect(HTTPReadField.xForwardedURI.name == "X-Forwarded-Uri")
        #expect(HTTPReadField.xKeygateScope.name == "X-Keygate-Scope")
        // Every canonical name is recognised as that field.
        for field in HTTPReadField.allCases {
            let head = T.completeHead(T.parse(T.head(["GET / HTTP/1.1", "\(field.name): v\(field.rawValue)"])))
            #expect(head?[field] == "v\(field.rawValue)", "\(field.name)")
        }
    }

    @Test func requestHeadInitializer() {
        let head = HTTPRequestHead(method: "GET", target: "/", fields: [(.xAPIKey, "k"), (.host, "h")])
        #expect(head[.xAPIKey] == "k")
        #expect(head[.host] == "h")
        #expect(head[.authorization] == nil)
        #expect(head.keepAlive)
        #expect(head.minorVersion == 1)
        let parsed = T.completeHead(T.parse(T.head(["GET / HTTP/1.1", "X-Api-Key: k", "Host: h"])))
        #expect(parsed == head)
    }

    @Test func aHeadKeepsOneRangePerReadField() {
        // Every field set and read back independently (a wrong case in the switch would make two share a range).
        let fields = HTTPReadField.allCases.map { (field: $0, value: "value-of-\($0.rawValue)") }
        let head = HTTPRequestHead(method: "PATCH", target: "/t", fields: fields)
        for (field, value) in fields { #expect(head[field] == value) }
        #expect(head.method == "PATCH")
        #expect(head.target == "/t")
        // Equality compares values, not where they lie: the same head from the wire equals the one built in code.
        let wire = T.completeHead(
            T.parse(T.head(["PATCH /t HTTP/1.1"] + fields.reversed().map { "\($0.field.name):  \($0.value) " })))
        #expect(wire == head)
        #expect(wire != HTTPRequestHead(method: "PATCH", target: "/t", fields: Array(fields.dropLast())))
    }
}

extension HTTPHeadParserTests {
    /// The token table against RFC 9110's `tchar`, for every byte.
    @Test func theTokenTableIsTchar() {
        let specials = Set("!#$%&'*+-.^_`|~".utf8)
        #expect(HTTPByte.tokenTable.utf8CodeUnitCount == 256)
        for value in 0...255 {
            let byte = UInt8(value)
            let isAlphaOrDigit =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            #expect(HTTPByte.isToken(byte) == (isAlphaOrDigit || specials.contains(byte)), "byte \(value)")
        }
    }
}
