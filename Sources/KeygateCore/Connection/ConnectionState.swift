/// One accepted connection's life in a worker, as a value whose every change is a named transition. Pure: time is an
/// argument; the worker owns the socket and does the I/O each transition's result asks for.
///
/// The input side is a ``Phase``; the output side is separate (``Output``) because a pipelining peer can have its next
/// request half-read while the answer to the previous one waits for the peer to read it.
///
/// ```
/// awaitingFirstRequest ─bytes─▶ readingRequest ─request done─▶ idle ─bytes─▶ readingRequest ─▶ …
/// any of those ─protocol finished─▶ closingAfterOutput ─output sent─▶ lingering (TCP) or closed
/// lingering ─EOF or lingerMillis─▶ closed;  any ─timeout, error, eviction at the cap, drain─▶ closed
/// ```
public struct ConnectionState: Equatable, Sendable {
    /// Where the connection's input stands.
    public enum Phase: Equatable, Sendable {
        /// Accepted, nothing received yet: awaiting its first request (the request timeout applies), not idle.
        case awaitingFirstRequest
        /// Kept alive between requests: the idle timeout applies, the cap evicts it first and a drain closes it.
        case idle
        /// Part of a request has arrived. It must be whole within the request timeout of `sinceMillis`, when its first
        /// byte arrived; trickled bytes never move it.
        case readingRequest(sinceMillis: Int64)
        /// The protocol is over (a request without keep-alive was answered, or a bad one rejected): the queued output
        /// is sent, then the connection closes. Input is read and ignored.
        case closingAfterOutput
        /// The last answer was sent and the write side shut down (TCP peers only, so that their unread input does not
        /// turn the close into a reset that destroys the answer in flight): input is discarded until EOF or
        /// ``ConnectionTimeouts/lingerMillis`` after `sinceMillis`.
        case lingering(sinceMillis: Int64)
        /// Closed: no transition leaves it, and any event for it is a bug.
        case closed
    }

    /// Whether everything written to the connection was sent.
    public enum Output: Equatable, Sendable {
        /// Nothing is waiting to be sent.
        case flushed
        /// The peer is not reading fast enough: the rest waits until epoll reports the socket writable.
        case blocked
    }

    /// What the worker does with a connection whose output was all sent.
    public enum AfterFlush: Equatable, Sendable {
        /// Nothing: wait for more input.
        case keepOpen
        /// Shut down the write side; the connection now lingers.
        case shutDownWriting
        /// Close the connection now (the worker calls ``close()``).
        case close
    }

    public private(set) var phase: Phase
    public private(set) var output: Output
    /// The last time bytes arrived (other than while lingering) or were sent.
    public private(set) var lastActivityMillis: Int64

    /// A connection accepted at `now`.
    public init(acceptedAtMillis now: Int64) {
        self.phase = .awaitingFirstRequest
        self.output = .flushed
        self.lastActivityMillis = now
    }

    /// True for a kept-alive connection between requests with nothing to send: the one kind the cap may evict.
    public var isIdle: Bool { self.phase == .idle && self.output == .flushed }

    /// Bytes arrived at `now`; returns true if they go to the protocol, false if they are discarded.
    ///
    /// While lingering, reading is no progress, so a trickle cannot stretch the linger. While closing it is (the peer
    /// is alive), but the bytes are ignored.
    public mutating func receive(atMillis now: Int64) -> Bool {
        switch self.phase {
        case .lingering:
            return false
        case .closingAfterOutput:
            self.lastActivityMillis = now
            return false
        case .awaitingFirstRequest, .idle, .readingRequest:
            self.lastActivityMillis = now
            return true
        case .closed:
            preconditionFailure("bytes received on a closed connection")
        }
    }

    /// The protocol took the bytes that arrived at `now` and stands at `progress`; `completedRequest` is true if they
    /// finished at least one request.
    ///
    /// A request's deadline runs from its first byte: a request in progress began in these bytes if none was in
    /// progress before them, or if they completed one (pipelining).
    public mutating func advance(to progress: ProtocolProgress, completedRequest: Bool, atMillis now: Int64) {
        switch self.phase {
        case .awaitingFirstRequest, .idle, .readingRequest:
            break
        case .closingAfterOutput, .lingering, .closed:
            preconditionFailure("the protocol advanced on a connection in phase \(self.phase)")
        }
        switch progress {
        case .finished:
            self.phase = .closingAfterOutput
        case .betweenRequests:
            self.phase = .idle
        case .midRequest:
            if case .readingRequest = self.phase, !completedRequest { return }
            self.phase = .readingRequest(sinceMillis: now)
        }
    }

    /// Some output was sent at `now`: the peer is reading.
    public mutating func sent(atMillis now: Int64) {
        self.lastActivityMillis = now
    }

    /// The socket took less than everything; returns true if the worker must start watching for writability.
    public mutating func blockOutput() -> Bool {
        guard self.output == .flushed else { return false }
        self.output = .blocked
        return true
    }

    /// Everything queued was sent; returns true if the worker must stop watching for writability.
    public mutating func flushOutput() -> Bool {
        guard self.output == .blocked else { return false }
        self.output = .flushed
        return true
    }

    /// What a connection whose output was all sent at `now` does next.
    ///
    /// It ends when the protocol is over, or during a drain when no request is in progress; a TCP peer
    /// (`lingersOnClose`) first gets a lingering close.
    public mutating func afterFlush(atMillis now: Int64, draining: Bool, lingersOnClose: Bool) -> AfterFlush {
        switch self.phase {
        case .closingAfterOutput:
            break
        case .awaitingFirstRequest, .idle:
            guard draining else { return .keepOpen }
        case .readingRequest, .lingering:
            return .keepOpen
        case .closed:
            preconditionFailure("output flushed on a closed connection")
        }
        guard lingersOnClose else { return .close }
        self.phase = .lingering(sinceMillis: now)
        self.lastActivityMillis = now
        return .shutDownWriting
    }

    /// The connection was closed.
    public mutating func close() {
        precondition(self.phase != .closed, "a connection closed twice")
        self.phase = .closed
    }
}
