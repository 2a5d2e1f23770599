/// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
///
/// The hash tag is what lies between the first `{` and the first `}` after it, when that is not empty; keys sharing
/// a tag share a slot, which is why every Redis key of one API key is written `keygate:{kid_…}:…`.
public enum RedisKeySlot {
    /// Slots in a Redis Cluster.
    public static let count = 16_384

    /// The slot of `key`.
    public static func of(_ key: String) -> Int {
        let bytes = Array(key.utf8)
        return Int(Self.crc16(Self.hashed(bytes)) & UInt16(Self.count - 1))
    }

    /// The part of `bytes` that is hashed: the hash tag when there is a non-empty one, else all of it.
    static func hashed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        else { return bytes[...] }
        return bytes[(open + 1)..<close]
    }

    /// CRC16-CCITT as Redis computes it (XMODEM: polynomial 0x1021, initial value 0, no reflection).
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
