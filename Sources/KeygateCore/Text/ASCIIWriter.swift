/// Builds a short string byte by byte in a stack buffer: the finished string is the only allocation (none at all up
/// to 15 bytes), where appending to a `String` piece by piece costs a capacity check and a copy per piece.
struct ASCIIWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0

    private init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// The string `body` writes; writing more than `capacity` bytes is a bug and traps.
    static func string(capacity: Int, _ body: (inout ASCIIWriter) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var writer = ASCIIWriter(buffer)
            body(&writer)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<writer.count]), as: UTF8.self)
        }
    }

    /// The decimal digits of `value` (`-` first when negative) as a string.
    static func decimal(_ value: Int64) -> String {
        Self.string(capacity: 20) { $0.append(decimal: value) }
    }

    mutating func append(_ byte: UInt8) {
        precondition(self.count < self.buffer.count, "ASCIIWriter capacity exceeded")
        self.buffer[self.count] = byte
        self.count += 1
    }

    /// Appends the UTF-8 of `text`.
    mutating func append(_ text: String) {
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
            precondition(self.count + utf8.count <= self.buffer.count, "ASCIIWriter capacity exceeded")
            UnsafeMutableBufferPointer(rebasing: self.buffer[self.count...]).initialize(fromContentsOf: utf8)
            self.count += utf8.count
        }
        if copied == nil { for byte in text.utf8 { self.append(byte) } }
    }

    /// Appends `value` in decimal, as `String(value)` spells it.
    mutating func append(decimal value: Int64) {
        if value < 0 { self.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        precondition(self.count + digits <= self.buffer.count, "ASCIIWriter capacity exceeded")
        var index = self.count + digits
        repeat {
            index -= 1
            self.buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        self.count += digits
    }
}
