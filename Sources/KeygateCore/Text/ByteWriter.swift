/// Writes bytes into a buffer of known size: header text on the answer path, where appending to a `String` or an
/// array piece by piece costs a capacity check per piece. Writing past the buffer is a bug and traps.
struct ByteWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far, from the start of the buffer.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// The string `body` writes, built in a stack buffer of `capacity` bytes: the string is the only allocation
    /// (none at all up to 15 bytes).
    static func string(capacity: Int, _ body: (inout ByteWriter) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var writer = ByteWriter(buffer)
            body(&writer)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<writer.count]), as: UTF8.self)
        }
    }

    /// Appends to `out` what `body` writes, at most `capacity` bytes, straight into `out`'s storage: no temporary
    /// buffer, no second copy. The storage grows geometrically, so repeated calls stay linear.
    static func append(to out: inout [UInt8], capacity: Int, _ body: (inout ByteWriter) -> Void) {
        let needed = out.count + capacity
        if out.capacity < needed { out.reserveCapacity(max(needed, 2 * out.capacity)) }
        out.append(addingCapacity: capacity) { span in
            span.withUnsafeMutableBufferPointer { buffer, initialized in
                var writer = ByteWriter(UnsafeMutableBufferPointer(rebasing: buffer[initialized...]))
                body(&writer)
                initialized += writer.count
            }
        }
    }

    /// The decimal digits of `value` (`-` first when negative) as a string.
    static func decimal(_ value: Int64) -> String {
        Self.string(capacity: 20) { $0.append(decimal: value) }
    }

    mutating func append(_ byte: UInt8) {
        precondition(self.count < self.buffer.count, "ByteWriter capacity exceeded")
        self.buffer[self.count] = byte
        self.count += 1
    }

    /// Appends the bytes of a literal.
    mutating func append(literal text: StaticString) {
        let count = text.utf8CodeUnitCount
        precondition(self.count + count <= self.buffer.count, "ByteWriter capacity exceeded")
        (self.buffer.baseAddress! + self.count).initialize(from: text.utf8Start, count: count)
        self.count += count
    }

    /// Appends the UTF-8 of `text`.
    mutating func append(_ text: String) {
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            precondition(self.count + utf8.count <= self.buffer.count, "ByteWriter capacity exceeded")
            UnsafeMutableBufferPointer(rebasing: self.buffer[self.count...]).initialize(fromContentsOf: utf8)
            self.count += utf8.count
        }
        if copied == nil { for byte in text.utf8 { self.append(byte) } }
    }

    /// Appends `bytes`.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bytes in
            precondition(self.count + bytes.count <= self.buffer.count, "ByteWriter capacity exceeded")
            UnsafeMutableBufferPointer(rebasing: self.buffer[self.count...]).initialize(fromContentsOf: bytes)
            self.count += bytes.count
        }
    }

    /// Appends the eight bytes of `word`, most significant first (network order).
    mutating func append(bigEndian word: UInt64) {
        precondition(self.count + 8 <= self.buffer.count, "ByteWriter capacity exceeded")
        UnsafeMutableRawPointer(self.buffer.baseAddress! + self.count).storeBytes(of: word.bigEndian, as: UInt64.self)
        self.count += 8
    }

    /// Appends `count` zero bytes.
    mutating func append(zeros count: Int) {
        precondition(self.count + count <= self.buffer.count, "ByteWriter capacity exceeded")
        (self.buffer.baseAddress! + self.count).initialize(repeating: 0, count: count)
        self.count += count
    }

    /// Overwrites the eight bytes at `offset`, already written, with `word`, most significant first.
    mutating func overwrite(bigEndian word: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset + 8 <= self.count, "ByteWriter overwrite outside what was written")
        UnsafeMutableRawPointer(self.buffer.baseAddress! + offset).storeBytes(of: word.bigEndian, as: UInt64.self)
    }

    /// Appends `value` in decimal, as `String(value)` spells it.
    mutating func append(decimal value: Int) { self.append(decimal: Int64(value)) }

    /// Appends `value` in decimal, as `String(value)` spells it.
    mutating func append(decimal value: Int64) {
        if value < 0 { self.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // The digit count from the bit width (log10(2) ≈ 1233 / 4096), corrected by one comparison.
        let estimate = ((64 - magnitude.leadingZeroBitCount) &* 1233) &>> 12
        let digits = estimate + (magnitude >= Self.powersOfTen[estimate] ? 1 : 0)
        let written = max(digits, 1)
        precondition(self.count + written <= self.buffer.count, "ByteWriter capacity exceeded")
        // Two digits per division by 100 (a multiplication), copied from a table of the pairs 00-99.
        let end = UnsafeMutableRawPointer(self.buffer.baseAddress! + self.count + written)
        let pairs = UnsafeRawPointer(Self.digitPairs.utf8Start)
        var offset = 0
        while magnitude >= 100 {
            let quotient = magnitude / 100
            let pair = Int(truncatingIfNeeded: magnitude &- quotient &* 100)
            magnitude = quotient
            offset -= 2
            end.storeBytes(
                of: pairs.loadUnaligned(fromByteOffset: 2 &* pair, as: UInt16.self), toByteOffset: offset,
                as: UInt16.self)
        }
        if magnitude >= 10 {
            end.storeBytes(
                of: pairs.loadUnaligned(fromByteOffset: 2 &* Int(truncatingIfNeeded: magnitude), as: UInt16.self),
                toByteOffset: offset - 2, as: UInt16.self)
        } else {
            end.storeBytes(
                of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude), toByteOffset: offset - 1, as: UInt8.self)
        }
        self.count += written
    }

    /// 10^i for i in 0...19, and a sentinel no UInt64 reaches.
    private static let powersOfTen: [UInt64] =
        (0...19).map { (0..<$0).reduce(1 as UInt64) { value, _ in value * 10 } } + [.max]

    /// "00" "01" … "99": the two digits of each number below 100.
    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
}
