/// The resumable byte-level state machine behind ``HTTPHeadParser`` and ``HTTPConnection``.
///
/// `scan` is handed the head from its first byte each time (a connection's buffer grows between calls) and resumes
/// at ``position``: every byte is examined once, however the head is cut. Every verdict is decided by the bytes up to
/// the one that decides it, so a prefix never contradicts the whole. Only bytes within
/// ``HTTPHeadLimits/maxHeadBytes`` are ever read.
struct HTTPHeadScanner: Sendable {
    /// What the next byte may be.
    private enum State: Sendable {
        /// The start of a line before the request line: an empty line or the method.
        case lineStart
        case method
        /// The byte after the method's space: must be `/`.
        case targetStart
        case target
        /// Inside `HTTP/1.x`; ``versionIndex`` bytes matched so far.
        case version
        /// The start of a field line or of the final empty line.
        case fieldLineStart
        case name
        /// Whitespace after the colon.
        case valueStart
        case value
        /// A CR was read; the line ends as ``lineEnd`` says once the LF follows.
        case lineFeed
    }

    /// Which line a CRLF ends.
    private enum LineEnd: Sendable {
        case emptyLine
        case requestLine
        case fieldLine
        case head
    }

    /// Empty lines tolerated before the request line.
    static let maxLeadingEmptyLines = 2

    private static let version: StaticString = "HTTP/1."
    /// `HTTP/1.` as the first seven bytes of a little-endian word (the eighth, the minor version, masked out).
    private static let versionPrefix: UInt64 = 0x002E_312F_5054_5448
    private static let versionMask: UInt64 = 0x00FF_FFFF_FFFF_FFFF

    /// Offset of the next byte to examine, counted from the head's first byte.
    private(set) var position = 0

    private var state = State.lineStart
    private var lineEnd = LineEnd.emptyLine
    private var emptyLines = 0
    /// Where the method, target, name or value being read starts.
    private var tokenStart = 0
    /// Just past the value's last byte that is not whitespace.
    private var valueEnd = 0
    private var versionIndex = 0
    private var fieldLines = 0
    private var fieldKind = HTTPFieldKind.other
    /// One bit per ``HTTPReadField`` already seen.
    private var seenFields: UInt32 = 0
    private var seenContentLength = false
    private var connectionClose = false
    private var connectionKeepAlive = false

    private var minorVersion = 1
    /// Where the method, target and values read so far lie: offsets only, so the scanner is copied and reset without
    /// reference counting.
    private var pieces = HTTPRequestHead.Pieces()

    /// Examines `bytes` from ``position`` on; `bytes` must start with the bytes given to earlier calls.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, limits: HTTPHeadLimits) -> HTTPHeadParse {
        let limit = min(bytes.count, limits.maxHeadBytes)
        while self.position < limit {
            let byte = bytes[self.position]
            switch self.state {
            case .lineStart:
                if HTTPByte.isToken(byte) {
                    self.tokenStart = self.position
                    self.state = .method
                } else if byte == HTTPByte.carriageReturn {
                    guard self.emptyLines < Self.maxLeadingEmptyLines else { return .invalid(.invalidRequestLine) }
                    self.emptyLines += 1
                    self.expectLineFeed(ending: .emptyLine)
                } else {
                    return .invalid(byte == HTTPByte.lineFeed ? .invalidLineEnding : .invalidRequestLine)
                }
                self.position += 1

            case .method:
                self.position = Self.skip(bytes, from: self.position, to: limit, while: HTTPByte.isToken)
                guard self.position < limit else { break }
                guard bytes[self.position] == HTTPByte.space else { return .invalid(.invalidRequestLine) }
                self.pieces.method = .init(start: self.tokenStart, end: self.position)
                self.position += 1
                self.state = .targetStart

            case .targetStart:
                guard byte == HTTPByte.slash else {
                    let isSeparator =
                        byte == HTTPByte.space || byte == HTTPByte.tab
                        || byte == HTTPByte.carriageReturn || byte == HTTPByte.lineFeed
                    return .invalid(isSeparator ? .invalidRequestLine : .invalidTarget)
                }
                self.tokenStart = self.position
                self.position += 1
                self.state = .target

            case .target:
                self.position = Self.skip(bytes, from: self.position, to: limit, while: HTTPByte.isVisible)
                guard self.position - self.tokenStart <= limits.maxTargetBytes else { return .invalid(.targetTooLong) }
                guard self.position < limit else { break }
                switch bytes[self.position] {
                case HTTPByte.space:
                    self.pieces.target = .init(start: self.tokenStart, end: self.position)
                    self.position += 1
                    self.versionIndex = 0
                    self.state = .version
                case HTTPByte.carriageReturn, HTTPByte.lineFeed:
                    return .invalid(.unsupportedVersion)  // HTTP/0.9: no version at all
                case HTTPByte.tab:
                    return .invalid(.invalidRequestLine)
                default:
                    return .invalid(.invalidTarget)
                }

            case .version:
                // The whole `HTTP/1.x` CR at once when it is there (the byte-by-byte path decides the same).
                if self.versionIndex == 0, self.position + 9 <= limit,
                    bytes.loadUnaligned(fromByteOffset: self.position, as: UInt64.self) & Self.versionMask
                        == Self.versionPrefix,
                    bytes[self.position + 8] == HTTPByte.carriageReturn,
                    case let minor = bytes[self.position + 7] &- HTTPByte.zero, minor <= 1
                {
                    self.minorVersion = Int(minor)
                    self.versionIndex = 9
                    self.position += 9
                    self.expectLineFeed(ending: .requestLine)
                    break
                }
                if let error = self.versionByte(byte) { return .invalid(error) }
                self.position += 1

            case .fieldLineStart:
                if HTTPByte.isToken(byte) {
                    self.fieldLines += 1
                    guard self.fieldLines <= limits.maxFieldLines else { return .invalid(.tooManyFields) }
                    self.tokenStart = self.position
                    self.state = .name
                } else if byte == HTTPByte.carriageReturn {
                    self.expectLineFeed(ending: .head)
                } else if HTTPByte.isWhitespace(byte) {
                    return .invalid(.obsFold)
                } else {
                    return .invalid(byte == HTTPByte.lineFeed ? .invalidLineEnding : .invalidFieldName)
                }
                self.position += 1

            case .name:
                self.position = Self.skip(bytes, from: self.position, to: limit, while: HTTPByte.isToken)
                guard self.position - self.tokenStart <= limits.maxNameBytes else { return .invalid(.nameTooLong) }
                guard self.position < limit else { break }
                guard bytes[self.position] == HTTPByte.colon else { return .invalid(.invalidFieldName) }
                if let error = self.beginValue(of: HTTPFieldKind.of(bytes, from: self.tokenStart, to: self.position)) {
                    return .invalid(error)
                }
                self.position += 1

            case .valueStart:
                self.position = Self.skip(bytes, from: self.position, to: limit, while: HTTPByte.isWhitespace)
                guard self.position < limit else { break }
                self.tokenStart = self.position
                self.valueEnd = self.position
                self.state = .value

            case .value:
                // In locals: the loop runs over every byte of every value.
                var position = self.position
                var valueEnd = self.valueEnd
                // Eight bytes at a time while none is whitespace, a control byte or DEL: then all eight are content.
                while position + 8 <= limit {
                    let word = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101
                    let high: UInt64 = 0x8080_8080_8080_8080
                    let belowVisible = (word &- 0x21 &* ones) & ~word & high
                    let delete = word ^ (0x7F &* ones)
                    guard belowVisible | ((delete &- ones) & ~delete & high) == 0 else { break }
                    position += 8
                    valueEnd = position
                }
                while position < limit {
                    let valueByte = bytes[position]
                    if HTTPByte.isValueContent(valueByte) {
                        valueEnd = position + 1
                    } else if !HTTPByte.isWhitespace(valueByte) {
                        break
                    }
                    position += 1
                }
                self.position = position
                self.valueEnd = valueEnd
                guard self.position < limit else { break }
                switch bytes[self.position] {
                case HTTPByte.carriageReturn:
                    // CR LF together (as every front end sends them): the line ends here, without a turn per byte.
                    if self.position + 1 < limit, bytes[self.position + 1] == HTTPByte.lineFeed {
                        self.position += 2
                        if let error = self.endField(bytes) { return .invalid(error) }
                        self.state = .fieldLineStart
                    } else {
                        self.expectLineFeed(ending: .fieldLine)
                        self.position += 1
                    }
                case HTTPByte.lineFeed:
                    return .invalid(.invalidLineEnding)
                default:
                    return .invalid(.invalidFieldValue)
                }

            case .lineFeed:
                guard byte == HTTPByte.lineFeed else { return .invalid(.invalidLineEnding) }
                self.position += 1
                switch self.lineEnd {
                case .emptyLine:
                    self.state = .lineStart
                case .requestLine:
                    self.state = .fieldLineStart
                case .fieldLine:
                    if let error = self.endField(bytes) { return .invalid(error) }
                    self.state = .fieldLineStart
                case .head:
                    return .complete(self.head(bytes), consumed: self.position)
                }
            }
        }
        return bytes.count >= limits.maxHeadBytes ? .invalid(.headTooLarge) : .incomplete
    }

    /// The offset of the first byte in `bytes[start..<end]` that is not in the class, or `end`.
    @inline(__always)
    private static func skip(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, while inClass: (UInt8) -> Bool
    ) -> Int {
        var position = start
        while position < end && inClass(bytes[position]) { position += 1 }
        return position
    }

    private mutating func expectLineFeed(ending: LineEnd) {
        self.lineEnd = ending
        self.state = .lineFeed
    }

    /// Checks one byte of `HTTP/1.x` and the CR after it.
    private mutating func versionByte(_ byte: UInt8) -> HTTPHeadError? {
        let literalCount = Self.version.utf8CodeUnitCount
        if self.versionIndex < literalCount {
            guard byte == Self.version.utf8Start[self.versionIndex] else {
                // "HTTP/" matched: a digit in the wrong place is another version, anything else is garbage.
                return self.versionIndex >= 5 && HTTPByte.isDigit(byte) ? .unsupportedVersion : .invalidRequestLine
            }
        } else if self.versionIndex == literalCount {
            guard byte == HTTPByte.zero || byte == HTTPByte.zero + 1 else {
                return HTTPByte.isDigit(byte) ? .unsupportedVersion : .invalidRequestLine
            }
            self.minorVersion = Int(byte &- HTTPByte.zero)
        } else {
            guard byte == HTTPByte.carriageReturn else {
                if byte == HTTPByte.lineFeed { return .invalidLineEnding }
                return HTTPByte.isDigit(byte) ? .unsupportedVersion : .invalidRequestLine
            }
            self.expectLineFeed(ending: .requestLine)
        }
        self.versionIndex += 1
        return nil
    }

    /// Records a field name; rejects duplicates and Transfer-Encoding at once, before the value is read.
    private mutating func beginValue(of kind: HTTPFieldKind) -> HTTPHeadError? {
        switch kind {
        case .read(let field):
            let bit: UInt32 = 1 << UInt32(field.rawValue)
            if self.seenFields & bit != 0 {
                // A field read only for a log line or content negotiation may repeat: the first one counts.
                guard field.mayRepeat else { return .duplicateField(field) }
                self.fieldKind = .other
                self.state = .valueStart
                return nil
            }
            self.seenFields |= bit
        case .contentLength:
            guard !self.seenContentLength else { return .duplicateContentLength }
            self.seenContentLength = true
        case .transferEncoding:
            return .bodyNotAllowed
        case .connection, .other:
            break
        }
        self.fieldKind = kind
        self.state = .valueStart
        return nil
    }

    /// Acts on a complete field line's value, `bytes[tokenStart..<valueEnd]`.
    private mutating func endField(_ bytes: UnsafeRawBufferPointer) -> HTTPHeadError? {
        switch self.fieldKind {
        case .read(let field):
            self.pieces[field] = .init(start: self.tokenStart, end: self.valueEnd)
        case .contentLength:
            return HTTPFieldValue.contentLengthError(bytes, from: self.tokenStart, to: self.valueEnd)
        case .connection:
            let options = HTTPFieldValue.connectionOptions(bytes, from: self.tokenStart, to: self.valueEnd)
            self.connectionClose = self.connectionClose || options.close
            self.connectionKeepAlive = self.connectionKeepAlive || options.keepAlive
        case .transferEncoding, .other:
            break
        }
        return nil
    }

    /// The head read: its bytes, `bytes[..<position]`, copied once, with the pieces found in them.
    private func head(_ bytes: UnsafeRawBufferPointer) -> HTTPRequestHead {
        let keepAlive = !self.connectionClose && (self.minorVersion == 1 || self.connectionKeepAlive)
        return HTTPRequestHead(
            text: Array(UnsafeRawBufferPointer(rebasing: bytes[..<self.position])), pieces: self.pieces,
            minorVersion: self.minorVersion, keepAlive: keepAlive)
    }
}
