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
    /// The values read; nil for a field the head did not carry.
    private var values: FieldValues

    public init(
        method: String, target: String, minorVersion: Int = 1, keepAlive: Bool = true,
        fields: [(field: HTTPReadField, value: String)] = []
    ) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.values = FieldValues()
        for (field, value) in fields { self.values[field] = value }
    }

    init(method: String, target: String, minorVersion: Int, keepAlive: Bool, values: FieldValues) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.values = values
    }

    /// One optional value per ``HTTPReadField``, stored inline: a head allocates nothing for its fields but the
    /// strings too long to be stored inline themselves.
    struct FieldValues: Sendable, Equatable {
        private var host: String?
        private var authorization: String?
        private var xAPIKey: String?
        private var xOriginalURI: String?
        private var xOriginalMethod: String?
        private var xOriginalHost: String?
        private var xForwardedURI: String?
        private var xForwardedMethod: String?
        private var xForwardedHost: String?
        private var xForwardedProto: String?
        private var xForwardedFor: String?
        private var xRealIP: String?
        private var origin: String?
        private var xKeygateScope: String?
        private var xKeygateCost: String?

        subscript(field: HTTPReadField) -> String? {
            get {
                switch field {
                case .host: self.host
                case .authorization: self.authorization
                case .xAPIKey: self.xAPIKey
                case .xOriginalURI: self.xOriginalURI
                case .xOriginalMethod: self.xOriginalMethod
                case .xOriginalHost: self.xOriginalHost
                case .xForwardedURI: self.xForwardedURI
                case .xForwardedMethod: self.xForwardedMethod
                case .xForwardedHost: self.xForwardedHost
                case .xForwardedProto: self.xForwardedProto
                case .xForwardedFor: self.xForwardedFor
                case .xRealIP: self.xRealIP
                case .origin: self.origin
                case .xKeygateScope: self.xKeygateScope
                case .xKeygateCost: self.xKeygateCost
                }
            }
            set {
                switch field {
                case .host: self.host = newValue
                case .authorization: self.authorization = newValue
                case .xAPIKey: self.xAPIKey = newValue
                case .xOriginalURI: self.xOriginalURI = newValue
                case .xOriginalMethod: self.xOriginalMethod = newValue
                case .xOriginalHost: self.xOriginalHost = newValue
                case .xForwardedURI: self.xForwardedURI = newValue
                case .xForwardedMethod: self.xForwardedMethod = newValue
                case .xForwardedHost: self.xForwardedHost = newValue
                case .xForwardedProto: self.xForwardedProto = newValue
                case .xForwardedFor: self.xForwardedFor = newValue
                case .xRealIP: self.xRealIP = newValue
                case .origin: self.origin = newValue
                case .xKeygateScope: self.xKeygateScope = newValue
                case .xKeygateCost: self.xKeygateCost = newValue
                }
            }
        }
    }

    /// The field's value with leading and trailing spaces and tabs removed; bytes that are not UTF-8 read as U+FFFD.
    public subscript(field: HTTPReadField) -> String? {
        self.values[field]
    }
}
