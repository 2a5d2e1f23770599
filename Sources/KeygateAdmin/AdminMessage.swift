import KeygateCore
import KeygateStore

/// One admin API request, as the HTTP server hands it over: what the handlers read, nothing of the wire.
public struct AdminRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoding left to the handlers (ids and names never need it).
    public var path: String
    /// Query parameters, the first of each name, percent-decoded.
    public var query: [String: String]
    /// Header fields by lower-cased name (the first of each).
    public var headers: [String: String]
    public var body: [UInt8]
    /// The peer's address (`127.0.0.1`, or `unix` for a unix socket), for the per-address limit.
    public var remoteAddress: String

    public init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        body: [UInt8] = [], remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The `target`'s path and its query parameters (percent-decoded; `+` is a space).
    public static func split(target: String) -> (path: String, query: [String: String]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = Self.percentDecoded(nameValue[0]) else { continue }
                let value = nameValue.count == 2 ? Self.percentDecoded(nameValue[1]) : ""
                if query[name] == nil, let value { query[name] = value }
            }
        }
        return (String(parts[0]), query)
    }

    /// `text` with `%XX` decoded and `+` as a space; `nil` when an escape is broken or the bytes are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = utf8.next().flatMap(Self.hexValue), let low = utf8.next().flatMap(Self.hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// One admin API answer.
public struct AdminResponse: Sendable {
    public var status: Int
    /// Header fields besides `Content-Length`, in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> Self {
        AdminResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers,
            body: Array((value.text + "\n").utf8))
    }

    /// The value of header `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// An RFC 9457 problem: what the admin API answers for every error, as `application/problem+json`.
public struct AdminProblem: Error, Sendable, Equatable {
    public var status: Int
    /// The last part of the `type` URI (`invalid-body`), also a stable code for clients.
    public var code: String
    public var title: String
    public var detail: String
    /// Extra header fields (`WWW-Authenticate`, `Retry-After`, `Allow`).
    public var headers: [String] = []

    public init(_ status: Int, _ code: String, _ title: String, _ detail: String, headers: [String] = []) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = headers
    }

    /// The start of every `type` URI: `urn:keygate:problem:invalid-field` (a URN: nothing to fetch, stable to match).
    public static let typeBase = "urn:keygate:problem:"

    var response: AdminResponse {
        let body = JSONValue.object([
            ("type", .string(Self.typeBase + self.code)), ("title", .string(self.title)),
            ("status", .int(Int64(self.status))), ("detail", .string(self.detail)),
        ])
        var headers: [(name: String, value: String)] = [("Content-Type", "application/problem+json")]
        for header in self.headers {
            let parts = header.split(separator: ":", maxSplits: 1)
            headers.append((String(parts[0]), String(parts[1].drop { $0 == " " })))
        }
        return AdminResponse(status: self.status, headers: headers, body: Array((body.text + "\n").utf8))
    }

    static func badRequest(_ detail: String) -> Self { Self(400, "invalid-request", "Invalid request", detail) }
    static func invalidField(_ field: String, _ reason: String) -> Self {
        Self(400, "invalid-field", "Invalid field", "\(field): \(reason)")
    }
    static func notFound(_ detail: String) -> Self { Self(404, "not-found", "Not found", detail) }
}
