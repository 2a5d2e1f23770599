/// The fixed 8-byte prefix of every FastCGI record: `version type idB1 idB0 lengthB1 lengthB0 padding reserved`.
package struct FastCGIRecordHeader: Equatable, Sendable {
    /// Size of the header on the wire.
    package static let byteCount = 8
    /// Largest content a single record carries (the length field is 16 bits).
    package static let maxContentBytes = 65_535
    /// The only protocol version there is.
    package static let version1: UInt8 = 1

    package var version: UInt8
    package var type: UInt8
    package var requestID: UInt16
    package var contentLength: UInt16
    package var paddingLength: UInt8

    package init(
        version: UInt8 = Self.version1, type: UInt8, requestID: UInt16, contentLength: UInt16, paddingLength: UInt8
    ) {
        self.version = version
        self.type = type
        self.requestID = requestID
        self.contentLength = contentLength
        self.paddingLength = paddingLength
    }

    /// Decodes the eight header bytes packed into one word, the first byte most significant.
    package init(word: UInt64) {
        self.version = UInt8(truncatingIfNeeded: word >> 56)
        self.type = UInt8(truncatingIfNeeded: word >> 48)
        self.requestID = UInt16(truncatingIfNeeded: word >> 32)
        self.contentLength = UInt16(truncatingIfNeeded: word >> 16)
        self.paddingLength = UInt8(truncatingIfNeeded: word >> 8)
    }

    /// The eight header bytes packed into one word, the first byte most significant.
    var word: UInt64 {
        UInt64(self.version) << 56 | UInt64(self.type) << 48 | UInt64(self.requestID) << 32
            | UInt64(self.contentLength) << 16 | UInt64(self.paddingLength) << 8
    }

    /// Appends the eight header bytes to `output`.
    package func append(to output: inout [UInt8]) {
        withUnsafeBytes(of: self.word.bigEndian) { output.append(contentsOf: $0) }
    }

    /// Padding that brings `contentLength` bytes of content to the 8-byte alignment the spec recommends (§3.3).
    static func alignmentPadding(forContentLength contentLength: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (8 - contentLength % 8) % 8)
    }

    /// Makes room in `output` for `byteCount` more bytes, growing geometrically so repeated calls stay linear.
    static func reserve(_ byteCount: Int, in output: inout [UInt8]) {
        let needed = output.count + byteCount
        if output.capacity < needed {
            output.reserveCapacity(max(needed, 2 * output.capacity))
        }
    }

    /// Appends one record carrying `content` (at most 65,535 bytes), padded to 8-byte alignment.
    static func appendRecord(
        type: FastCGIRecordType, requestID: UInt16, content: some Collection<UInt8>, to output: inout [UInt8]
    ) {
        let contentLength = content.count
        precondition(contentLength <= Self.maxContentBytes, "record content of \(contentLength) bytes")
        let padding = Self.alignmentPadding(forContentLength: contentLength)
        Self.reserve(Self.byteCount + contentLength + Int(padding), in: &output)
        let header = FastCGIRecordHeader(
            type: type.rawValue, requestID: requestID, contentLength: UInt16(contentLength), paddingLength: padding)
        header.append(to: &output)
        output.append(contentsOf: content)
        output.append(contentsOf: repeatElement(0, count: Int(padding)))
    }
}
