/// One thing a FastCGI server said, as decoded by ``FastCGIClientDecoder``.
public enum FastCGIAnswer: Equatable, Sendable {
    /// A request ended: everything its STDOUT and STDERR streams carried, then its END_REQUEST body.
    case response(requestID: UInt16, stdout: [UInt8], stderr: [UInt8], appStatus: UInt32, protocolStatus: UInt8)
    /// A GET_VALUES_RESULT record.
    case values([String: String])
    /// An UNKNOWN_TYPE record naming the management record type the server did not understand.
    case unknownType(UInt8)
}
