/// The verdict on the bytes at the start of a buffer.
public enum HTTPHeadParse: Sendable, Equatable {
    /// Every complete line is valid so far, but the head has not ended.
    case incomplete
    /// A valid head; `consumed` bytes of the buffer belong to it (anything after is the next request).
    case complete(HTTPRequestHead, consumed: Int)
    /// The head breaks a rule; the connection must answer and close.
    case invalid(HTTPHeadError)
}
