/// Server-side state of one HTTP/1.1 connection: bytes in, request heads and wire answers out. Pure; no I/O.
///
/// Heads are parsed straight out of the bytes handed in; only the tail of a head that is still incomplete is copied,
/// into a buffer that never grows past ``HTTPHeadLimits/maxHeadBytes``, and its parse resumes where it stopped. Several
/// requests in one read are answered in order. Bodies are never awaited: a head that announces one is rejected.
public struct HTTPConnection: Sendable {
    public let limits: HTTPHeadLimits

    /// The incomplete head's bytes so far, from its first byte; empty between requests.
    private var buffer: [UInt8] = []
    /// The incomplete head's parse; fresh whenever `buffer` is empty.
    private var scanner = HTTPHeadScanner()

    /// Where the connection stands: ``ProtocolProgress/midRequest`` while part of a head has arrived (a connection
    /// that is not mid-request may be closed when idle), ``ProtocolProgress/finished`` after a rejected head and after
    /// answering a request whose ``HTTPRequestHead/keepAlive`` is false. Once finished, further input is ignored.
    public private(set) var progress = ProtocolProgress.betweenRequests

    public init(limits: HTTPHeadLimits = HTTPHeadLimits()) {
        self.limits = limits
    }

    /// Bytes held of a partial head.
    public var bufferedByteCount: Int { self.buffer.count }

    /// Feeds bytes read from the socket (any split, down to 1 byte at a time).
    ///
    /// Calls `answer` once per complete head, in order; the callee appends its response (use
    /// ``HTTPResponseWriter``) to `output`. Returns the parse error (for a log line) if one ended the connection during
    /// this call, else nil. After an error, appends exactly one fixed response
    /// (``HTTPResponseWriter/errorResponse(for:)``) and finishes (``progress``); after a request with
    /// `keepAlive == false`, finishes; once finished, further bytes are ignored.
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], answer: (HTTPRequestHead, inout [UInt8]) -> Void
    ) -> HTTPHeadError? {
        var index = 0
        while index < bytes.count && self.progress != .finished {
            // One switch over the verdict: its head is moved out once, not copied per inspection.
            let held = self.buffer.count
            let taken: Int
            let result: HTTPHeadParse
            if held == 0 {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[index...])
                taken = rest.count
                result = self.scanner.scan(rest, limits: self.limits)
            } else {
                taken = min(bytes.count - index, max(0, self.limits.maxHeadBytes - held))
                self.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + taken)]))
                result = self.buffer.withUnsafeBytes { self.scanner.scan($0, limits: self.limits) }
            }

            switch consume result {
            case .incomplete:
                // Shorter than maxHeadBytes, or the head would be too large.
                if held == 0 { self.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index...])) }
                index += taken
                self.progress = .midRequest
            case .complete(let head, let consumed):
                index += consumed - held
                if held > 0 { self.buffer.removeAll(keepingCapacity: true) }
                self.scanner = HTTPHeadScanner()
                answer(head, &output)
                self.progress = head.keepAlive ? .betweenRequests : .finished
            case .invalid(let error):
                self.buffer = []
                self.scanner = HTTPHeadScanner()
                self.progress = .finished
                output.append(contentsOf: HTTPResponseWriter.errorResponse(for: error))
                return error
            }
        }
        return nil
    }
}
