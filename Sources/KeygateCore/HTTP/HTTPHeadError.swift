/// Why a request head was rejected. The connection answers ``status`` once and closes.
///
/// These are violations by the peer, never bugs in this process; ``reason`` is for a log line and never holds a
/// header value.
public enum HTTPHeadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The head did not end within ``HTTPHeadLimits/maxHeadBytes``.
    case headTooLarge
    /// More field lines than ``HTTPHeadLimits/maxFieldLines``.
    case tooManyFields
    /// A field name longer than ``HTTPHeadLimits/maxNameBytes``.
    case nameTooLong
    /// A request target longer than ``HTTPHeadLimits/maxTargetBytes``.
    case targetTooLong
    /// More than two empty lines before the request line, a method that is not a token, a separator that is not a
    /// single space, or a malformed protocol name.
    case invalidRequestLine
    /// A target that is not origin-form (absolute, authority or asterisk form) or holds a byte outside 0x21-0x7E.
    case invalidTarget
    /// Any version but HTTP/1.1 and HTTP/1.0, including none at all (HTTP/0.9).
    case unsupportedVersion
    /// A bare LF, or a CR not followed by LF.
    case invalidLineEnding
    /// A field line starting with a space or tab (obsolete line folding).
    case obsFold
    /// An empty field name, a name byte that is not a token character (whitespace before the colon included), or a
    /// line without a colon.
    case invalidFieldName
    /// A control character other than HTAB, or DEL, in a field value.
    case invalidFieldValue
    /// A request that announces a body: Transfer-Encoding, or a Content-Length other than 0.
    case bodyNotAllowed
    /// A Content-Length value that is not a plain decimal number, or one too large for an Int.
    case invalidContentLength
    /// Content-Length more than once.
    case duplicateContentLength
    /// A field keygate reads, more than once: neither "first wins" nor "last wins" is safe.
    case duplicateField(HTTPReadField)

    /// 431 for the size and count bounds on the head and its fields, 400 for everything else.
    public var status: Int {
        switch self {
        case .headTooLarge, .tooManyFields, .nameTooLong: 431
        default: 400
        }
    }

    /// Short text for a log line.
    public var reason: String {
        switch self {
        case .headTooLarge: "request head too large"
        case .tooManyFields: "too many header fields"
        case .nameTooLong: "header field name too long"
        case .targetTooLong: "request target too long"
        case .invalidRequestLine: "invalid request line"
        case .invalidTarget: "request target not in origin form"
        case .unsupportedVersion: "unsupported HTTP version"
        case .invalidLineEnding: "line not ended by CRLF"
        case .obsFold: "obsolete line folding"
        case .invalidFieldName: "invalid header field name"
        case .invalidFieldValue: "control character in header field value"
        case .bodyNotAllowed: "request with a body"
        case .invalidContentLength: "invalid Content-Length"
        case .duplicateContentLength: "duplicate Content-Length"
        case .duplicateField(let field): "duplicate \(field.name) field"
        }
    }

    public var description: String { self.reason }
}
