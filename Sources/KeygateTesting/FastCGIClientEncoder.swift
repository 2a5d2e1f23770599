#if canImport(KeygateCore)  // fuzz/lib.sh compiles this file into one module together with KeygateCore's sources
    import KeygateCore
#endif

/// Encodes what a web server sends, for tests and tools (the client side of FastCGI).
///
/// Arguments outside what the wire can carry (content over 65,535 bytes, `maxRecordContent` below 1) are bugs in the
/// caller and trap.
public enum FastCGIClientEncoder {
    /// A BEGIN_REQUEST record: `role` big-endian, the FCGI_KEEP_CONN flag, 5 reserved bytes.
    public static func beginRequest(id: UInt16, role: UInt16, keepConnection: Bool) -> [UInt8] {
        let content: [UInt8] = [
            UInt8(truncatingIfNeeded: role >> 8), UInt8(truncatingIfNeeded: role), keepConnection ? 1 : 0, 0, 0, 0, 0,
            0,
        ]
        return Self.record(type: FastCGIRecordType.beginRequest.rawValue, id: id, content: content)
    }

    /// A whole request as a web server sends it: BEGIN_REQUEST, PARAMS (see ``params(id:_:maxRecordContent:padding:)``),
    /// then, unless `stdin` is false, the empty STDIN record.
    public static func request(
        id: UInt16 = 1, role: UInt16 = 1, keepConnection: Bool = false, _ pairs: [(String, String)],
        maxRecordContent: Int = 65_535, padding: UInt8 = 0, stdin: Bool = true
    ) -> [UInt8] {
        Self.beginRequest(id: id, role: role, keepConnection: keepConnection)
            + Self.params(id: id, pairs, maxRecordContent: maxRecordContent, padding: padding)
            + (stdin ? Self.emptyStdin(id: id) : [])
    }

    /// PARAMS records for `pairs`, then the empty PARAMS record that ends the stream.
    ///
    /// The encoded pairs are cut so that no record carries more than `maxRecordContent` bytes, so pairs (and even
    /// length prefixes) may straddle records. Every record, the empty one included, carries `padding` zero bytes.
    public static func params(
        id: UInt16, _ pairs: [(String, String)], maxRecordContent: Int = 65_535, padding: UInt8 = 0
    ) -> [UInt8] {
        precondition(maxRecordContent >= 1, "maxRecordContent \(maxRecordContent)")
        let chunkBytes = min(maxRecordContent, FastCGIRecordHeader.maxContentBytes)
        let stream = Self.nameValuePairs(pairs)
        var output: [UInt8] = []
        var start = 0
        while start < stream.count {
            let end = min(start + chunkBytes, stream.count)
            output += Self.record(
                type: FastCGIRecordType.params.rawValue, id: id, content: Array(stream[start..<end]), padding: padding)
            start = end
        }
        output += Self.record(type: FastCGIRecordType.params.rawValue, id: id, content: [], padding: padding)
        return output
    }

    /// The empty STDIN record that ends the request body (nginx sends it even when there is no body).
    public static func emptyStdin(id: UInt16) -> [UInt8] {
        Self.record(type: FastCGIRecordType.stdin.rawValue, id: id, content: [])
    }

    /// STDIN records carrying `bytes`, cut at 65,535 bytes; not the terminator (append ``emptyStdin(id:)``).
    public static func stdin(id: UInt16, _ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + FastCGIRecordHeader.maxContentBytes, bytes.count)
            output += Self.record(type: FastCGIRecordType.stdin.rawValue, id: id, content: Array(bytes[start..<end]))
            start = end
        }
        return output
    }

    /// A GET_VALUES management record asking for `names` (with empty values, as the spec says).
    public static func getValues(_ names: [String]) -> [UInt8] {
        Self.record(
            type: FastCGIRecordType.getValues.rawValue, id: 0, content: Self.nameValuePairs(names.map { ($0, "") }))
    }

    /// An ABORT_REQUEST record.
    public static func abortRequest(id: UInt16) -> [UInt8] {
        Self.record(type: FastCGIRecordType.abortRequest.rawValue, id: id, content: [])
    }

    /// Any record, valid or not: header, `content` (at most 65,535 bytes), then `padding` zero bytes.
    public static func record(type: UInt8, id: UInt16, content: [UInt8], padding: UInt8 = 0, version: UInt8 = 1)
        -> [UInt8]
    {
        precondition(content.count <= FastCGIRecordHeader.maxContentBytes, "record content of \(content.count) bytes")
        var output: [UInt8] = []
        output.reserveCapacity(FastCGIRecordHeader.byteCount + content.count + Int(padding))
        FastCGIRecordHeader(
            version: version, type: type, requestID: id, contentLength: UInt16(content.count), paddingLength: padding
        ).append(to: &output)
        output += content
        output += repeatElement(0, count: Int(padding))
        return output
    }

    /// The name-value stream for `pairs` (spec §3.4): each length in 1 byte if at most 127, else in 4.
    public static func nameValuePairs(_ pairs: [(String, String)]) -> [UInt8] {
        var output: [UInt8] = []
        for (name, value) in pairs {
            FastCGIParams.appendLength(name.utf8.count, to: &output)
            FastCGIParams.appendLength(value.utf8.count, to: &output)
            output += name.utf8
            output += value.utf8
        }
        return output
    }
}
