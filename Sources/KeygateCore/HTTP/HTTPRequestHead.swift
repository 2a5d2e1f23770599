/// A parsed request head: the request line, the connection's fate and the values of the fields keygate reads.
///
/// The head keeps one copy of its bytes and where each piece lies in them; the strings are made only when read, so a
/// head that is parsed, read for the few fields a decision needs and dropped makes one allocation, and copying it
/// retains one buffer.
public struct HTTPRequestHead: Sendable, Equatable {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive` (and without `close`).
    public var keepAlive: Bool
    /// The bytes the pieces below are read from: the head as received (or, built in code, the pieces end to end).
    private let text: [UInt8]
    private let pieces: Pieces

    public init(
        method: String, target: String, minorVersion: Int = 1, keepAlive: Bool = true,
        fields: [(field: HTTPReadField, value: String)] = []
    ) {
        var text: [UInt8] = []
        var pieces = Pieces()
        func add(_ value: String) -> Pieces.Range {
            let start = text.count
            text += value.utf8
            return Pieces.Range(start: start, end: text.count)
        }
        pieces.method = add(method)
        pieces.target = add(target)
        for (field, value) in fields { pieces[field] = add(value) }
        self.init(text: text, pieces: pieces, minorVersion: minorVersion, keepAlive: keepAlive)
    }

    init(text: [UInt8], pieces: Pieces, minorVersion: Int, keepAlive: Bool) {
        self.text = text
        self.pieces = pieces
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
    }

    /// The method token, as received (case preserved).
    public var method: String { self.string(self.pieces.method) }

    /// The origin-form request target, as received (path and query, still percent-encoded).
    public var target: String { self.string(self.pieces.target) }

    /// The field's value with leading and trailing spaces and tabs removed; bytes that are not UTF-8 read as U+FFFD.
    public subscript(field: HTTPReadField) -> String? {
        guard let range = self.pieces[field] else { return nil }
        return self.string(range)
    }

    private func string(_ range: Pieces.Range) -> String {
        self.text.withUnsafeBufferPointer { text in
            String(decoding: UnsafeBufferPointer(rebasing: text[Int(range.start)..<Int(range.end)]), as: UTF8.self)
        }
    }

    public static func == (left: HTTPRequestHead, right: HTTPRequestHead) -> Bool {
        func same(_ a: Pieces.Range?, _ b: Pieces.Range?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return left.text[Int(a.start)..<Int(a.end)].elementsEqual(right.text[Int(b.start)..<Int(b.end)])
        }
        return left.minorVersion == right.minorVersion && left.keepAlive == right.keepAlive
            && same(left.pieces.method, right.pieces.method) && same(left.pieces.target, right.pieces.target)
            && HTTPReadField.allCases.allSatisfy { same(left.pieces[$0], right.pieces[$0]) }
    }

    /// Where the method, the target and each read field's value lie in a head's bytes: plain offsets, so the scanner
    /// that fills them and the head that keeps them copy without reference counting.
    struct Pieces: Sendable {
        /// `start..<end` in the head's bytes (a head is at most ``HTTPHeadLimits/maxHeadBytes`` long).
        struct Range: Sendable, Equatable {
            var start: Int32
            var end: Int32

            init(start: Int, end: Int) {
                self.start = Int32(start)
                self.end = Int32(end)
            }
        }

        var method = Range(start: 0, end: 0)
        var target = Range(start: 0, end: 0)
        /// One bit per ``HTTPReadField`` whose value is set.
        private var present: UInt32 = 0
        // One range per field, read through an exhaustive switch: a field added to the enum does not compile without
        // its range, and no access copies the lot.
        private var host = Range(start: 0, end: 0)
        private var authorization = Range(start: 0, end: 0)
        private var xAPIKey = Range(start: 0, end: 0)
        private var xOriginalURI = Range(start: 0, end: 0)
        private var xOriginalMethod = Range(start: 0, end: 0)
        private var xOriginalHost = Range(start: 0, end: 0)
        private var xForwardedURI = Range(start: 0, end: 0)
        private var xForwardedMethod = Range(start: 0, end: 0)
        private var xForwardedHost = Range(start: 0, end: 0)
        private var xForwardedProto = Range(start: 0, end: 0)
        private var xForwardedFor = Range(start: 0, end: 0)
        private var xRealIP = Range(start: 0, end: 0)
        private var origin = Range(start: 0, end: 0)
        private var xKeygateScope = Range(start: 0, end: 0)
        private var xKeygateCost = Range(start: 0, end: 0)
        private var xRequestID = Range(start: 0, end: 0)
        private var accept = Range(start: 0, end: 0)

        init() {}

        subscript(field: HTTPReadField) -> Range? {
            get {
                guard self.present & (1 << UInt32(field.rawValue)) != 0 else { return nil }
                return switch field {
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
                case .xRequestID: self.xRequestID
                case .accept: self.accept
                }
            }
            set {
                let bit: UInt32 = 1 << UInt32(field.rawValue)
                guard let newValue else {
                    self.present &= ~bit
                    return
                }
                self.present |= bit
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
                case .xRequestID: self.xRequestID = newValue
                case .accept: self.accept = newValue
                }
            }
        }
    }
}
