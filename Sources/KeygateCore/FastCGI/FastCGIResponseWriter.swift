/// Encodes the server's answers: STDOUT streams and END_REQUEST records.
public enum FastCGIResponseWriter {
    /// Appends a complete answer for `requestID`.
    ///
    /// `head` holds CGI header lines, each CRLF-terminated, followed by an empty line (`Status: 204\r\n\r\n`). `head`
    /// and `body` form one STDOUT stream, cut into records of at most 65,535 bytes, each padded to 8-byte alignment;
    /// then come the empty STDOUT record and END_REQUEST{appStatus 0, REQUEST_COMPLETE}.
    public static func appendResponse(
        requestID: UInt16, head: some Collection<UInt8>, body: some Collection<UInt8>, to output: inout [UInt8]
    ) {
        let headCount = head.count
        let bodyCount = body.count
        let total = headCount + bodyCount
        let maxContent = FastCGIRecordHeader.maxContentBytes
        let lastContent = total % maxContent
        let recordBytes =
            total / maxContent * (FastCGIRecordHeader.byteCount + maxContent + 1)
            + (lastContent == 0
                ? 0
                : FastCGIRecordHeader.byteCount + lastContent
                    + Int(FastCGIRecordHeader.alignmentPadding(forContentLength: lastContent)))
        FastCGIRecordHeader.reserve(recordBytes + 3 * FastCGIRecordHeader.byteCount, in: &output)

        var headIndex = head.startIndex
        var headLeft = headCount
        var bodyIndex = body.startIndex
        var bodyLeft = bodyCount
        while headLeft + bodyLeft > 0 {
            let contentLength = min(headLeft + bodyLeft, maxContent)
            let padding = FastCGIRecordHeader.alignmentPadding(forContentLength: contentLength)
            FastCGIRecordHeader(
                type: FastCGIRecordType.stdout.rawValue, requestID: requestID,
                contentLength: UInt16(contentLength), paddingLength: padding
            ).append(to: &output)
            let fromHead = min(contentLength, headLeft)
            if fromHead > 0 {
                let end = head.index(headIndex, offsetBy: fromHead)
                output.append(contentsOf: head[headIndex..<end])
                headIndex = end
                headLeft -= fromHead
            }
            let fromBody = contentLength - fromHead
            if fromBody > 0 {
                let end = body.index(bodyIndex, offsetBy: fromBody)
                output.append(contentsOf: body[bodyIndex..<end])
                bodyIndex = end
                bodyLeft -= fromBody
            }
            output.append(contentsOf: repeatElement(0, count: Int(padding)))
        }
        FastCGIRecordHeader(
            type: FastCGIRecordType.stdout.rawValue, requestID: requestID, contentLength: 0, paddingLength: 0
        ).append(to: &output)
        Self.appendEndRequest(requestID: requestID, appStatus: 0, protocolStatus: .requestComplete, to: &output)
    }

    /// ``appendResponse(requestID:head:body:to:)`` for byte arrays, the usual case, compiled for them: a generic
    /// call from another module would go through the `Collection` witnesses byte by byte.
    public static func appendResponse(requestID: UInt16, head: [UInt8], body: [UInt8], to output: inout [UInt8]) {
        Self.appendResponse(requestID: requestID, head: head[...], body: body[...], to: &output)
    }

    /// Appends `answer` for `requestID`: its CGI stream (`Status: 204\r\nName: value\r\n…\r\n` and the body) in
    /// one STDOUT record, then the empty STDOUT record and END_REQUEST{appStatus 0, REQUEST_COMPLETE}: the bytes
    /// ``appendResponse(requestID:head:body:to:)`` writes for that stream, but written in place into `output`, the
    /// record header filled in once the stream's length is known.
    public static func append(_ answer: AuthAnswer, requestID: UInt16, to output: inout [UInt8]) {
        let fields = AnswerFields(answer)
        let streamCapacity = fields.cgiStreamCapacity
        guard streamCapacity <= FastCGIRecordHeader.maxContentBytes else {
            // More than one record's worth (only with absurdly long stored values): the general path.
            let stream = answer.cgiStream()
            Self.appendResponse(requestID: requestID, head: stream, body: [], to: &output)
            return
        }
        let recordBytes = FastCGIRecordHeader.byteCount
        ByteWriter.append(to: &output, capacity: recordBytes + streamCapacity + 7 + 3 * recordBytes) { out in
            let start = out.count
            out.append(bigEndian: 0)  // the STDOUT header, filled in below
            fields.writeCGIStream(to: &out)
            let contentLength = out.count - start - recordBytes
            let padding = FastCGIRecordHeader.alignmentPadding(forContentLength: contentLength)
            out.append(zeros: Int(padding))
            let header = FastCGIRecordHeader(
                type: FastCGIRecordType.stdout.rawValue, requestID: requestID, contentLength: UInt16(contentLength),
                paddingLength: padding)
            out.overwrite(bigEndian: header.word, at: start)
            out.append(
                bigEndian: FastCGIRecordHeader(
                    type: FastCGIRecordType.stdout.rawValue, requestID: requestID, contentLength: 0, paddingLength: 0
                ).word)
            out.append(
                bigEndian: FastCGIRecordHeader(
                    type: FastCGIRecordType.endRequest.rawValue, requestID: requestID, contentLength: 8,
                    paddingLength: 0
                ).word)
            out.append(bigEndian: UInt64(FastCGIProtocolStatus.requestComplete.rawValue) << 24)
        }
    }

    /// Appends an END_REQUEST record: `appStatus` big-endian, `protocolStatus`, 3 reserved bytes.
    public static func appendEndRequest(
        requestID: UInt16, appStatus: UInt32, protocolStatus: FastCGIProtocolStatus, to output: inout [UInt8]
    ) {
        FastCGIRecordHeader.reserve(2 * FastCGIRecordHeader.byteCount, in: &output)
        FastCGIRecordHeader(
            type: FastCGIRecordType.endRequest.rawValue, requestID: requestID, contentLength: 8, paddingLength: 0
        ).append(to: &output)
        let body = UInt64(appStatus) << 32 | UInt64(protocolStatus.rawValue) << 24
        withUnsafeBytes(of: body.bigEndian) { output.append(contentsOf: $0) }
    }
}
