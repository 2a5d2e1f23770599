/// Why a FastCGI connection must be closed: hostile, truncated or oversized input.
///
/// These are protocol violations by the peer, never bugs in this process. The server logs ``description`` and closes
/// the connection; rejections the protocol itself can express (UNKNOWN_ROLE, CANT_MPX_CONN) are answered instead.
public enum FastCGIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A record header whose version byte is not 1.
    case unsupportedVersion(UInt8)
    /// A BEGIN_REQUEST record whose content is not exactly 8 bytes.
    case malformedBeginRequest(contentLength: Int)
    /// A BEGIN_REQUEST for the id whose PARAMS are still arriving.
    case duplicateBeginRequest(requestID: UInt16)
    /// The PARAMS stream of one request grew past the limit, in bytes.
    case paramsTooLarge(limit: Int)
    /// The PARAMS stream of one request holds more pairs than the limit.
    case tooManyParams(limit: Int)
    /// A name-value stream ended inside a length prefix, a name or a value.
    case malformedNameValuePair
    /// A record type the sender may not send for the active request (or, to a client, at all).
    case unexpectedRecord(type: UInt8, requestID: UInt16)
    /// A GET_VALUES record with more content than any honest query needs.
    case managementRecordTooLarge(contentLength: Int)
    /// A fixed-size record (END_REQUEST, UNKNOWN_TYPE) with the wrong content length; reported by the client decoder.
    case malformedRecord(type: UInt8, contentLength: Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            return "FastCGI record with unsupported version \(version)"
        case .malformedBeginRequest(let contentLength):
            return "FastCGI BEGIN_REQUEST with \(contentLength) content bytes (expected 8)"
        case .duplicateBeginRequest(let requestID):
            return "FastCGI BEGIN_REQUEST for request \(requestID), which is already in progress"
        case .paramsTooLarge(let limit):
            return "FastCGI PARAMS larger than \(limit) bytes"
        case .tooManyParams(let limit):
            return "FastCGI PARAMS with more than \(limit) pairs"
        case .malformedNameValuePair:
            return "FastCGI name-value pair truncated or longer than its stream"
        case .unexpectedRecord(let type, let requestID):
            return "FastCGI record of unexpected type \(type) for request \(requestID)"
        case .managementRecordTooLarge(let contentLength):
            return "FastCGI management record with \(contentLength) content bytes"
        case .malformedRecord(let type, let contentLength):
            return "FastCGI record of type \(type) with invalid content length \(contentLength)"
        }
    }
}
