/// Reads one RESP2 reply from the start of a buffer. Pure and bounded: a hostile or broken server cannot make it
/// allocate more than ``Limits`` allow, recurse deeper than ``Limits/maxDepth``, or trap.
///
/// Stateless: it is handed the bytes received so far from the reply's first byte and says whether they hold a whole
/// reply. Replies keygate waits for are a few dozen bytes, so reading them again as more arrive costs nothing.
public enum RESPDecoder {
    /// Bounds on one reply.
    public struct Limits: Sendable, Equatable {
        /// The longest bulk string.
        public var maxBulkBytes: Int
        /// The most elements of one array.
        public var maxArrayCount: Int
        /// Arrays nested in arrays, counting the outermost.
        public var maxDepth: Int
        /// The longest simple string, error or length line (without CR LF).
        public var maxLineBytes: Int

        public init(maxBulkBytes: Int = 1 << 20, maxArrayCount: Int = 4096, maxDepth: Int = 8, maxLineBytes: Int = 4096)
        {
            self.maxBulkBytes = maxBulkBytes
            self.maxArrayCount = maxArrayCount
            self.maxDepth = maxDepth
            self.maxLineBytes = maxLineBytes
        }
    }

    /// What the bytes at the start of a buffer are.
    public enum Result: Sendable, Equatable {
        /// A prefix of a valid reply: wait for more bytes.
        case incomplete
        /// A whole reply, `consumed` bytes long.
        case reply(RESPValue, consumed: Int)
        /// Not RESP2, or beyond the limits: the connection can no longer be trusted.
        case invalid(String)
    }

    /// Decodes the reply at the start of `bytes`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) -> Result {
        var reader = Reader(bytes: bytes, limits: limits)
        switch reader.value(depth: 1) {
        case .value(let value): return .reply(value, consumed: reader.position)
        case .incomplete: return .incomplete
        case .invalid(let reason): return .invalid(reason)
        }
    }

    /// ``decode(_:limits:)`` over an array.
    public static func decode(_ bytes: [UInt8], limits: Limits = Limits()) -> Result {
        bytes.withUnsafeBytes { Self.decode($0, limits: limits) }
    }

    private enum Step {
        case value(RESPValue)
        case incomplete
        case invalid(String)
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let limits: Limits
        var position = 0

        mutating func value(depth: Int) -> Step {
            guard self.position < self.bytes.count else { return .incomplete }
            let type = self.bytes[self.position]
            self.position += 1
            let line: ArraySlice<UInt8>
            switch self.line() {
            case .line(let found): line = found
            case .incomplete: return .incomplete
            case .invalid(let reason): return .invalid(reason)
            }
            switch type {
            case UInt8(ascii: "+"): return .value(.simple(String(decoding: line, as: UTF8.self)))
            case UInt8(ascii: "-"): return .value(.error(String(decoding: line, as: UTF8.self)))
            case UInt8(ascii: ":"):
                guard let value = Self.integer(line) else { return .invalid("integer reply is not a number") }
                return .value(.integer(value))
            case UInt8(ascii: "$"):
                guard let length = Self.integer(line), length >= -1 else { return .invalid("bad bulk string length") }
                if length == -1 { return .value(.bulk(nil)) }
                guard length <= self.limits.maxBulkBytes else {
                    return .invalid("bulk string of \(length) bytes exceeds \(self.limits.maxBulkBytes)")
                }
                let count = Int(length)
                guard self.bytes.count - self.position >= count + 2 else { return .incomplete }
                let body = Array(UnsafeRawBufferPointer(rebasing: self.bytes[self.position..<(self.position + count)]))
                guard self.bytes[self.position + count] == 0x0D, self.bytes[self.position + count + 1] == 0x0A else {
                    return .invalid("bulk string not followed by CR LF")
                }
                self.position += count + 2
                return .value(.bulk(body))
            case UInt8(ascii: "*"):
                guard let count = Self.integer(line), count >= -1 else { return .invalid("bad array length") }
                if count == -1 { return .value(.array(nil)) }
                guard count <= self.limits.maxArrayCount else {
                    return .invalid("array of \(count) elements exceeds \(self.limits.maxArrayCount)")
                }
                guard depth < self.limits.maxDepth || count == 0 else {
                    return .invalid("arrays nested deeper than \(self.limits.maxDepth)")
                }
                var elements: [RESPValue] = []
                for _ in 0..<count {
                    switch self.value(depth: depth + 1) {
                    case .value(let element): elements.append(element)
                    case .incomplete: return .incomplete
                    case .invalid(let reason): return .invalid(reason)
                    }
                }
                return .value(.array(elements))
            default:
                return .invalid("unknown reply type byte \(type)")
            }
        }

        private enum Line {
            case line(ArraySlice<UInt8>)
            case incomplete
            case invalid(String)
        }

        /// The bytes up to the next CR LF, which is consumed.
        private mutating func line() -> Line {
            var index = self.position
            while index < self.bytes.count {
                if self.bytes[index] == 0x0D {
                    guard index + 1 < self.bytes.count else { return .incomplete }
                    guard self.bytes[index + 1] == 0x0A else { return .invalid("CR not followed by LF") }
                    let line = Array(UnsafeRawBufferPointer(rebasing: self.bytes[self.position..<index]))[...]
                    self.position = index + 2
                    return .line(line)
                }
                if self.bytes[index] == 0x0A { return .invalid("LF without CR") }
                guard index - self.position < self.limits.maxLineBytes else {
                    return .invalid("line longer than \(self.limits.maxLineBytes) bytes")
                }
                index += 1
            }
            return .incomplete
        }

        /// A decimal Int64 with an optional `-`, nothing else.
        private static func integer(_ line: ArraySlice<UInt8>) -> Int64? {
            var digits = line[...]
            let negative = digits.first == UInt8(ascii: "-")
            if negative { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 19 else { return nil }
            var value: Int64 = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                // Negative numbers are built downwards, so that Int64.min fits.
                let digit = Int64(byte - UInt8(ascii: "0"))
                let (times, overflowed) = value.multipliedReportingOverflow(by: 10)
                let (sum, carried) =
                    negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflowed, !carried else { return nil }
                value = sum
            }
            return value
        }
    }
}
