#if canImport(KeygateCore)  // fuzz/lib.sh compiles this file into one module together with KeygateCore's sources
    import KeygateCore
#endif

/// Decodes what a FastCGI server sends, incrementally, for tests and tools (the client side of FastCGI).
public struct FastCGIClientDecoder: Sendable {
    /// STDOUT and STDERR gathered for one request until its END_REQUEST.
    private struct Streams: Sendable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
    }

    private var buffer: [UInt8] = []
    private var streams: [UInt16: Streams] = [:]

    public init() {}

    /// Bytes of an incomplete record held until more arrive.
    public var bufferedByteCount: Int { self.buffer.count }

    /// Ids whose STDOUT or STDERR began but whose END_REQUEST has not arrived yet.
    public var pendingRequestIDs: [UInt16] { self.streams.keys.sorted() }

    /// Feeds bytes read from a server and returns the answers completed by them, in order.
    ///
    /// Throws on a version other than 1, a record type a server never sends, or a malformed END_REQUEST,
    /// UNKNOWN_TYPE or GET_VALUES_RESULT.
    public mutating func consume(_ bytes: [UInt8]) throws(FastCGIError) -> [FastCGIAnswer] {
        self.buffer += bytes
        var answers: [FastCGIAnswer] = []
        var offset = 0
        defer { self.buffer.removeFirst(offset) }
        while self.buffer.count - offset >= FastCGIRecordHeader.byteCount {
            var word: UInt64 = 0
            for index in offset..<(offset + FastCGIRecordHeader.byteCount) {
                word = word << 8 | UInt64(self.buffer[index])
            }
            let header = FastCGIRecordHeader(word: word)
            guard header.version == FastCGIRecordHeader.version1 else { throw .unsupportedVersion(header.version) }
            let contentStart = offset + FastCGIRecordHeader.byteCount
            let contentEnd = contentStart + Int(header.contentLength)
            let recordEnd = contentEnd + Int(header.paddingLength)
            guard recordEnd <= self.buffer.count else { break }
            let content = self.buffer[contentStart..<contentEnd]
            if let answer = try self.decode(header, content: content) {
                answers.append(answer)
            }
            offset = recordEnd
        }
        return answers
    }

    /// Handles one complete record; returns the answer it completes, if any.
    private mutating func decode(
        _ header: FastCGIRecordHeader, content: ArraySlice<UInt8>
    ) throws(FastCGIError) -> FastCGIAnswer? {
        switch FastCGIRecordType(rawValue: header.type) {
        case .stdout:
            self.streams[header.requestID, default: Streams()].stdout += content
            return nil
        case .stderr:
            self.streams[header.requestID, default: Streams()].stderr += content
            return nil
        case .endRequest:
            guard content.count == 8 else {
                throw .malformedRecord(type: header.type, contentLength: content.count)
            }
            let bytes = Array(content)
            let appStatus =
                UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            let streams = self.streams.removeValue(forKey: header.requestID) ?? Streams()
            return .response(
                requestID: header.requestID, stdout: streams.stdout, stderr: streams.stderr, appStatus: appStatus,
                protocolStatus: bytes[4])
        case .getValuesResult:
            let pairs = try FastCGIParams(encoded: Array(content), maxCount: Int.max)
            var values: [String: String] = [:]
            pairs.forEach { name, value in values[name] = value }
            return .values(values)
        case .unknownType:
            guard content.count == 8 else {
                throw .malformedRecord(type: header.type, contentLength: content.count)
            }
            return .unknownType(content[content.startIndex])
        case .beginRequest, .abortRequest, .params, .stdin, .data, .getValues, nil:
            throw .unexpectedRecord(type: header.type, requestID: header.requestID)
        }
    }
}
