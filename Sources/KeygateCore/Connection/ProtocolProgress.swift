/// Where a wire protocol's connection stands after the bytes fed to it so far.
///
/// ``FastCGIConnection`` and ``HTTPConnection`` report it after every call; the worker's ``ConnectionState`` takes it
/// from there (deadlines, idle eviction, drains).
public enum ProtocolProgress: Equatable, Sendable {
    /// No request is partly received: the next byte starts a new one (or nothing has arrived yet).
    case betweenRequests
    /// Part of a request has arrived and it is not complete yet.
    case midRequest
    /// The protocol is over: the output written so far is the last, then the connection closes. Further input is
    /// ignored. Reached after a request that does not keep the connection, and after a protocol error.
    case finished
}
