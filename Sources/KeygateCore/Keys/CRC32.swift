/// CRC-32 as used by zlib, gzip and PNG (IEEE 802.3, reflected polynomial `0xEDB88320`).
///
/// A value type so that a checksum can be fed byte by byte without allocating:
/// `var crc = CRC32(); crc.update(byte); crc.value`.
public struct CRC32: Sendable, Equatable {
    /// The running register: the checksum of the bytes so far, before the final inversion.
    private var register: UInt32 = 0xFFFF_FFFF

    /// Starts the checksum of an empty byte string.
    public init() {}

    /// The checksum of every byte passed to `update` so far (`0` for none).
    public var value: UInt32 { ~self.register }

    /// Feeds one byte.
    @inline(__always)
    public mutating func update(_ byte: UInt8) {
        let index = Int(truncatingIfNeeded: (self.register ^ UInt32(byte)) & 0xFF)
        self.register = Self.table[index] ^ (self.register >> 8)
    }

    /// Feeds `bytes` in order.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            self.update(byte)
        }
    }

    /// Feeds `bytes` in order, reading the table without a check per byte.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        var register = self.register
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                register = table[Int(truncatingIfNeeded: (register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
            }
        }
        self.register = register
    }

    /// The checksum of `bytes`, e.g. `0xCBF43926` for the ASCII of `"123456789"`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// The 256-entry lookup table for the reflected polynomial, computed once per process.
    private static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var entry = UInt32(index)
        for _ in 0..<8 {
            entry = entry & 1 == 1 ? 0xEDB8_8320 ^ (entry >> 1) : entry >> 1
        }
        return entry
    }
}
