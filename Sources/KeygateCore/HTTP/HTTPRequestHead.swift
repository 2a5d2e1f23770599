/// A parsed request head: the request line, the connection's fate and the values of the fields keygate reads.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, as received (case preserved).
    public var method: String
    /// The origin-form request target, as received (path and query, still percent-encoded).
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive` (and without `close`).
    public var keepAlive: Bool
    /// Values indexed by ``HTTPReadField/rawValue``; nil for a field the head did not carry.
    private var values: [String?]

    public init(
        method: String, target: String, minorVersion: Int = 1, keepAlive: Bool = true,
        fields: [(field: HTTPReadField, value: String)] = []
    ) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.values = Self.noValues
        for (field, value) in fields { self.values[field.rawValue] = value }
    }

    init(method: String, target: String, minorVersion: Int, keepAlive: Bool, values: [String?]) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.values = values
    }

    /// One nil per ``HTTPReadField``.
    static let noValues = [String?](repeating: nil, count: HTTPReadField.allCases.count)

    /// The field's value with leading and trailing spaces and tabs removed; bytes that are not UTF-8 read as U+FFFD.
    public subscript(field: HTTPReadField) -> String? {
        self.values[field.rawValue]
    }
}
