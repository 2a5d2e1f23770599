/// Server-side protocol state of one connection: bytes in, requests and replies out. Pure; no I/O.
///
/// Bytes are consumed as they arrive, in any split. Record headers and BEGIN_REQUEST bodies are gathered in machine
/// words, PARAMS content is copied once, straight from the input into the request's parameter buffer, and content
/// nobody needs (STDIN, DATA, records for other ids, padding) is skipped without copying. At most a record header, a
/// BEGIN_REQUEST body or a bounded GET_VALUES body is ever held between calls.
///
/// The connection does not multiplex: while one request's PARAMS are arriving, a BEGIN_REQUEST with another id is
/// answered with CANT_MPX_CONN. A request is finished as soon as its PARAMS are complete: STDIN is never awaited
/// (nginx sends an empty one after `CONTENT_LENGTH`, mod_fcgid none at all) and arrives, if at all, for an id that is
/// no longer active, so it is skipped.
public struct FastCGIConnection: Sendable {
    /// Largest GET_VALUES content accepted; an honest query for the three known names takes about 50 bytes.
    public static let maxManagementContentBytes = 4096

    /// Where the next input byte belongs.
    private enum Phase: Sendable {
        case header
        case content
        case padding
    }

    /// What the record being read is, decided from its header; says where its content goes and what ends it.
    private enum RecordKind: Sendable {
        /// Skip the content; nothing happens at the end.
        case ignored
        /// Skip the content; answer UNKNOWN_TYPE at the end.
        case unknownManagement
        /// Keep the content in `managementContent`; answer GET_VALUES_RESULT at the end.
        case getValues
        /// Gather the 8 content bytes in `beginWord`; start, reject or refuse a request at the end.
        case beginRequest
        /// Skip the content; end the active request at the end.
        case abortRequest
        /// Append the content to `paramsBytes`; an empty record completes the request.
        case params
    }

    public let limits: FastCGILimits

    private var phase = Phase.header
    private var headerWord: UInt64 = 0
    private var headerFill = 0

    private var recordKind = RecordKind.ignored
    private var recordType: UInt8 = 0
    private var recordID: UInt16 = 0
    private var recordContentLength = 0
    private var contentRemaining = 0
    private var paddingRemaining = 0
    private var beginWord: UInt64 = 0
    private var beginFill = 0
    private var managementContent: [UInt8] = []

    /// The request whose PARAMS are arriving; 0 (never a request id) when there is none.
    private var activeRequestID: UInt16 = 0
    private var activeRole = FastCGIRole.responder
    private var activeKeepConnection = false
    private var paramsBytes: [UInt8] = []

    /// True once the connection ends after `output` is flushed (``progress`` is then ``ProtocolProgress/finished``):
    /// a request without FCGI_KEEP_CONN was answered, rejected with UNKNOWN_ROLE or aborted, or
    /// ``consume(_:output:onRequest:)`` threw. Further input is ignored.
    private var finished = false

    public init(limits: FastCGILimits = FastCGILimits()) {
        self.limits = limits
    }

    /// Where the connection stands: ``ProtocolProgress/midRequest`` from the first byte of a record until a request's
    /// PARAMS are complete, ``ProtocolProgress/finished`` once it ends.
    ///
    /// Mid-request covers any record partly received as well as a request whose PARAMS are not complete, so from the
    /// first byte of BEGIN_REQUEST's header to the end of PARAMS it never flickers: a request's deadline runs from its
    /// first byte. The server uses this for timeouts and for graceful shutdown (a drain waits for a request in
    /// progress).
    public var progress: ProtocolProgress {
        if self.finished { return .finished }
        return self.activeRequestID != 0 || !self.isAtRecordBoundary ? .midRequest : .betweenRequests
    }

    /// Bytes buffered of an incomplete record (for diagnostics); PARAMS content already belongs to its request.
    public var bufferedByteCount: Int { self.headerFill + self.beginFill + self.managementContent.count }

    /// True when the next input byte starts a record header: no record is partly received.
    ///
    /// Unlike ``bufferedByteCount``, this is false for the whole of a record, including content that is skipped.
    public var isAtRecordBoundary: Bool { self.phase == .header && self.headerFill == 0 }

    /// Feeds bytes read from the socket (any split, down to 1 byte at a time).
    ///
    /// Calls `onRequest` once per request whose PARAMS stream is complete, in order; the callee appends its answer
    /// (use ``FastCGIResponseWriter``) to `output`. Management replies (GET_VALUES_RESULT, UNKNOWN_TYPE) and
    /// END_REQUEST records for rejected or aborted requests are appended to `output` in stream order. Throws on a
    /// protocol violation: the caller logs it and closes (``progress`` is then ``ProtocolProgress/finished``).
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], onRequest: (FastCGIRequest, inout [UInt8]) -> Void
    ) throws(FastCGIError) {
        guard !self.finished else { return }
        do throws(FastCGIError) {
            try self.process(bytes, output: &output, onRequest: onRequest)
        } catch {
            self.finished = true
            throw error
        }
    }

    private mutating func process(
        _ input: UnsafeRawBufferPointer, output: inout [UInt8], onRequest: (FastCGIRequest, inout [UInt8]) -> Void
    ) throws(FastCGIError) {
        let count = input.count
        var index = 0
        while index < count {
            switch self.phase {
            case .header:
                if self.headerFill == 0 && count - index >= FastCGIRecordHeader.byteCount {
                    self.headerWord = input.loadUnaligned(fromByteOffset: index, as: UInt64.self).bigEndian
                    index += FastCGIRecordHeader.byteCount
                } else {
                    while self.headerFill < FastCGIRecordHeader.byteCount && index < count {
                        self.headerWord = self.headerWord << 8 | UInt64(input[index])
                        self.headerFill += 1
                        index += 1
                    }
                    guard self.headerFill == FastCGIRecordHeader.byteCount else { return }
                    self.headerFill = 0
                }
                try self.beginRecord(FastCGIRecordHeader(word: self.headerWord))
                if self.contentRemaining == 0 {
                    try self.endRecord(output: &output, onRequest: onRequest)
                    if self.finished { return }
                }

            case .content:
                let available = min(self.contentRemaining, count - index)
                switch self.recordKind {
                case .params:
                    self.paramsBytes.append(
                        contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index + available)]))
                case .beginRequest:
                    for offset in index..<(index + available) {
                        self.beginWord = self.beginWord << 8 | UInt64(input[offset])
                    }
                    self.beginFill += available
                case .getValues:
                    self.managementContent.append(
                        contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index + available)]))
                case .ignored, .unknownManagement, .abortRequest:
                    break
                }
                index += available
                self.contentRemaining -= available
                if self.contentRemaining == 0 {
                    try self.endRecord(output: &output, onRequest: onRequest)
                    if self.finished { return }
                }

            case .padding:
                let available = min(self.paddingRemaining, count - index)
                index += available
                self.paddingRemaining -= available
                if self.paddingRemaining == 0 { self.phase = .header }
            }
        }
    }

    /// Validates a record header and decides what its content is for.
    private mutating func beginRecord(_ header: FastCGIRecordHeader) throws(FastCGIError) {
        guard header.version == FastCGIRecordHeader.version1 else { throw .unsupportedVersion(header.version) }
        let contentLength = Int(header.contentLength)
        self.recordType = header.type
        self.recordID = header.requestID
        self.recordContentLength = contentLength
        self.contentRemaining = contentLength
        self.paddingRemaining = Int(header.paddingLength)
        self.phase = .content

        if header.requestID == 0 {
            // Management records: GET_VALUES is the only one we know (spec §4); UNKNOWN_TYPE answers any other.
            if header.type == FastCGIRecordType.getValues.rawValue {
                guard contentLength <= Self.maxManagementContentBytes else {
                    throw .managementRecordTooLarge(contentLength: contentLength)
                }
                self.recordKind = .getValues
                self.managementContent.removeAll(keepingCapacity: true)
            } else {
                self.recordKind = .unknownManagement
            }
            return
        }

        let isActive = header.requestID == self.activeRequestID
        switch FastCGIRecordType(rawValue: header.type) {
        case .beginRequest:
            guard contentLength == 8 else { throw .malformedBeginRequest(contentLength: contentLength) }
            self.recordKind = .beginRequest
            self.beginWord = 0
            self.beginFill = 0
        case .abortRequest:
            self.recordKind = isActive ? .abortRequest : .ignored
        case .params:
            guard isActive else {
                self.recordKind = .ignored
                return
            }
            guard self.paramsBytes.count + contentLength <= self.limits.maxParamsBytes else {
                throw .paramsTooLarge(limit: self.limits.maxParamsBytes)
            }
            if self.paramsBytes.isEmpty {
                // nginx sends all PARAMS in one record: this makes the buffer's only allocation exact.
                self.paramsBytes.reserveCapacity(contentLength)
            }
            self.recordKind = .params
        case .stdin, .data:
            // Never awaited: the decision is made from PARAMS alone.
            self.recordKind = .ignored
        case .endRequest, .stdout, .stderr, .getValues, .getValuesResult, .unknownType, nil:
            // Types only a server sends, management types with an id, and types from the future.
            guard !isActive else { throw .unexpectedRecord(type: header.type, requestID: header.requestID) }
            self.recordKind = .ignored
        }
    }

    /// Acts on a record whose content is complete; its padding (if any) is skipped next.
    private mutating func endRecord(
        output: inout [UInt8], onRequest: (FastCGIRequest, inout [UInt8]) -> Void
    ) throws(FastCGIError) {
        self.phase = self.paddingRemaining > 0 ? .padding : .header
        switch self.recordKind {
        case .ignored:
            break
        case .unknownManagement:
            var body = [UInt8](repeating: 0, count: 8)
            body[0] = self.recordType
            FastCGIRecordHeader.appendRecord(type: .unknownType, requestID: 0, content: body, to: &output)
        case .getValues:
            try self.appendValues(to: &output)
            self.managementContent.removeAll(keepingCapacity: true)
        case .beginRequest:
            self.beginFill = 0
            try self.startRequest(output: &output)
        case .abortRequest:
            FastCGIResponseWriter.appendEndRequest(
                requestID: self.activeRequestID, appStatus: 0, protocolStatus: .requestComplete, to: &output)
            self.activeRequestID = 0
            self.paramsBytes = []
            if !self.activeKeepConnection { self.finished = true }
        case .params:
            if self.recordContentLength == 0 {
                try self.completeRequest(output: &output, onRequest: onRequest)
            }
        }
    }

    /// Starts the request described by a complete BEGIN_REQUEST body, or answers why it cannot start.
    private mutating func startRequest(output: inout [UInt8]) throws(FastCGIError) {
        let requestID = self.recordID
        let roleValue = UInt16(truncatingIfNeeded: self.beginWord >> 48)
        let keepConnection = (self.beginWord >> 40) & 1 == 1
        if self.activeRequestID != 0 {
            guard requestID != self.activeRequestID else { throw .duplicateBeginRequest(requestID: requestID) }
            FastCGIResponseWriter.appendEndRequest(
                requestID: requestID, appStatus: 0, protocolStatus: .cantMultiplexConnection, to: &output)
            return
        }
        guard let role = FastCGIRole(rawValue: roleValue), role != .filter else {
            FastCGIResponseWriter.appendEndRequest(
                requestID: requestID, appStatus: 0, protocolStatus: .unknownRole, to: &output)
            if !keepConnection { self.finished = true }
            return
        }
        self.activeRequestID = requestID
        self.activeRole = role
        self.activeKeepConnection = keepConnection
        self.paramsBytes = []
    }

    /// Parses the finished PARAMS stream and hands the request to `onRequest`.
    private mutating func completeRequest(
        output: inout [UInt8], onRequest: (FastCGIRequest, inout [UInt8]) -> Void
    ) throws(FastCGIError) {
        var encoded: [UInt8] = []
        swap(&encoded, &self.paramsBytes)  // the request owns the buffer from here on: no copy-on-write later
        let params = try FastCGIParams(encoded: encoded, maxCount: self.limits.maxParamCount)
        let request = FastCGIRequest(
            requestID: self.activeRequestID, role: self.activeRole, keepConnection: self.activeKeepConnection,
            params: params)
        self.activeRequestID = 0
        onRequest(request, &output)
        if !request.keepConnection { self.finished = true }
    }

    /// Answers a complete GET_VALUES record with the known names it asked for, each once, in the order asked.
    private func appendValues(to output: inout [UInt8]) throws(FastCGIError) {
        let asked = try FastCGIParams(encoded: self.managementContent, maxCount: Int.max)
        var answered: [String] = []
        var content: [UInt8] = []
        for (name, _) in asked.pairs where !answered.contains(name) {
            let value: String
            switch name {
            case "FCGI_MAX_CONNS": value = String(self.limits.maxConnections)
            case "FCGI_MAX_REQS": value = String(self.limits.maxRequests)
            case "FCGI_MPXS_CONNS": value = "0"
            default: continue
            }
            answered.append(name)
            FastCGIParams.appendLength(name.utf8.count, to: &content)
            FastCGIParams.appendLength(value.utf8.count, to: &content)
            content.append(contentsOf: name.utf8)
            content.append(contentsOf: value.utf8)
        }
        FastCGIRecordHeader.appendRecord(type: .getValuesResult, requestID: 0, content: content, to: &output)
    }
}
