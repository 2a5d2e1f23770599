import KeygateCore
import Testing

extension APIKeyFormatTests {
    struct CRC32Tests {
        @Test(
            arguments: [
                ("", 0x0000_0000),
                ("a", 0xE8B7_BE43),
                ("abc", 0x3524_41C2),
                ("123456789", 0xCBF4_3926),
                ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
            ] as [(String, UInt32)])
        func matchesZlib(text: String, expected: UInt32) {
            #expect(CRC32.checksum(text.utf8) == expected)
        }

        @Test func incrementalEqualsOneShot() {
            var crc = CRC32()
            crc.update("1234".utf8)
            crc.update(UInt8(ascii: "5"))
            crc.update("6789".utf8)
            #expect(crc.value == 0xCBF4_3926)
            #expect(CRC32().value == 0)
        }
    }
}
