/// The time limits on a connection: how long a request, an idle kept-alive connection and a lingering close may last.
public struct ConnectionTimeouts: Equatable, Sendable {
    /// A request must be whole this long after its first byte; a new connection must send, and unsent output must
    /// move, within it.
    public var requestMillis: Int64
    /// A kept-alive connection with no request in progress is closed after this long.
    public var idleMillis: Int64
    /// A lingering close waits this long for the peer's EOF.
    public var lingerMillis: Int64

    public init(requestMillis: Int64, idleMillis: Int64, lingerMillis: Int64 = 2_000) {
        self.requestMillis = requestMillis
        self.idleMillis = idleMillis
        self.lingerMillis = lingerMillis
    }
}

extension ConnectionState {
    /// A periodic sweep's verdict on one connection.
    public enum Verdict: Equatable, Sendable {
        /// Leave it.
        case keep
        /// Leave it; it is idle, so it could make room for a new connection at the cap.
        case keepIdle
        /// Close it, for this reason.
        case close(CloseReason)
    }

    /// Why a sweep closes a connection.
    public enum CloseReason: Equatable, Sendable {
        /// The lingering close ended without the peer's EOF.
        case lingerEnded
        /// A request was not whole within the request timeout of its first byte, however steadily it trickled.
        case requestIncomplete(elapsedMillis: Int64)
        /// Nothing moved for longer than the request timeout: no first request, no more of a request, or output the
        /// peer does not read.
        case noProgress(quietMillis: Int64)
        /// Kept alive with nothing to do past the idle timeout, or during a drain.
        case idle
    }

    /// The sweep's verdict at `now`; during a drain (`draining`), idle connections are closed at once.
    public func verdict(atMillis now: Int64, draining: Bool, timeouts: ConnectionTimeouts) -> Verdict {
        let quiet = now - self.lastActivityMillis
        switch self.phase {
        case .lingering(let since):
            return now - since > timeouts.lingerMillis ? .close(.lingerEnded) : .keep
        case .readingRequest(let since) where now - since > timeouts.requestMillis:
            return .close(.requestIncomplete(elapsedMillis: now - since))
        case .idle where self.output == .flushed:
            return draining || quiet > timeouts.idleMillis ? .close(.idle) : .keepIdle
        case .awaitingFirstRequest, .idle, .readingRequest, .closingAfterOutput:
            return quiet > timeouts.requestMillis ? .close(.noProgress(quietMillis: quiet)) : .keep
        case .closed:
            preconditionFailure("a closed connection was swept")
        }
    }
}
