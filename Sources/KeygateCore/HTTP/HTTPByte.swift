/// Byte constants and character classes of RFC 9110/9112 as the head parser uses them.
enum HTTPByte {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let comma: UInt8 = 0x2C
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A

    /// `tchar`: ALPHA, DIGIT and ``!#$%&'*+-.^_`|~``: one load from ``tokenTable``.
    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        Self.tokenTable.utf8Start[Int(byte)] == UInt8(ascii: "1")
    }

    /// One character per byte value 0-255: `1` for a `tchar` (RFC 9110 §5.6.2), `0` for anything else. A test checks
    /// it against the RFC's definition for every byte.
    @inline(__always)
    static var tokenTable: StaticString {
        """
        0000000000000000000000000000000001011111001101101111111111000000\
        0111111111111111111111111110001111111111111111111111111111101010\
        0000000000000000000000000000000000000000000000000000000000000000\
        0000000000000000000000000000000000000000000000000000000000000000
        """
    }

    /// A request-target byte: visible ASCII, 0x21-0x7E.
    @inline(__always)
    static func isVisible(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// A field-value byte that is not whitespace: visible ASCII or obs-text (0x80-0xFF).
    @inline(__always)
    static func isValueContent(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != 0x7F
    }

    /// Optional whitespace: SP or HTAB.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == Self.space || byte == Self.tab
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- Self.zero < 10
    }

    /// True when `bytes[start...]` begins with `lowercase`, compared case-insensitively.
    ///
    /// `lowercase` holds only lowercase letters and `-`; the caller guarantees `start + lowercase.count <= count` and
    /// that the bytes are neither CR nor LF, so `| 0x20` folds letters and nothing else onto the expected bytes.
    @inline(__always)
    static func matches(_ bytes: UnsafeRawBufferPointer, at start: Int, _ lowercase: StaticString) -> Bool {
        let expected = UnsafeRawPointer(lowercase.utf8Start)
        let count = lowercase.utf8CodeUnitCount
        let base = bytes.baseAddress! + start
        // Eight bytes at a time, the last word overlapping the one before (every name keygate reads is ≥ 4 bytes).
        if count >= 8 {
            func word(_ offset: Int) -> Bool {
                base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) | 0x2020_2020_2020_2020
                    == expected.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            }
            var offset = 0
            while offset + 8 < count {
                guard word(offset) else { return false }
                offset += 8
            }
            return word(count - 8)
        }
        if count >= 4 {
            func word(_ offset: Int) -> Bool {
                base.loadUnaligned(fromByteOffset: offset, as: UInt32.self) | 0x2020_2020
                    == expected.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            }
            return word(0) && word(count - 4)
        }
        for offset in 0..<count {
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            guard byte | 0x20 == expected.load(fromByteOffset: offset, as: UInt8.self) else { return false }
        }
        return true
    }
}
