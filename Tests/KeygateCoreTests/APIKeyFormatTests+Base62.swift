import KeygateCore
import Testing

extension APIKeyFormatTests {
    struct Base62Tests {
        @Test func digitsAreZeroToNineThenUpperThenLower() {
            let alphabet = String(decoding: (0..<62).map(Base62.digit), as: UTF8.self)
            #expect(alphabet == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            for (value, byte) in alphabet.utf8.enumerated() {
                #expect(Base62.value(ofDigit: byte) == value)
            }
            for byte in UInt8.min...UInt8.max where !alphabet.utf8.contains(byte) {
                #expect(Base62.value(ofDigit: byte) == nil)
            }
        }

        @Test(
            arguments: [
                0, 1, 61, 62, 3_843, 3_844, 0xFFFF_FFFF, 56_800_235_583, UInt64.max,
            ] as [UInt64])
        func roundTrips(value: UInt64) throws {
            let text = try #require(Base62.encode(value, width: 11))
            #expect(text.utf8.count == 11)
            #expect(Base62.decode(text.utf8) == value)
        }

        @Test func encodesFixedWidth() {
            #expect(Base62.encode(0, width: 6) == "000000")
            #expect(Base62.encode(61, width: 6) == "00000z")
            #expect(Base62.encode(62, width: 6) == "000010")
            #expect(Base62.encode(0xFFFF_FFFF, width: 6) == "4gfFC3")
            #expect(Base62.encode(56_800_235_583, width: 6) == "zzzzzz")
            #expect(Base62.encode(56_800_235_584, width: 6) == nil)
            #expect(Base62.encode(0, width: 0) == "")
        }

        @Test func decodeRejectsBadInput() {
            #expect(Base62.decode("".utf8) == nil)
            #expect(Base62.decode("12_3".utf8) == nil)
            #expect(Base62.decode("zzzzzzzzzzzz".utf8) == nil)  // 62^12 > 2^64
            #expect(Base62.decode("LygHa16AHYF".utf8) == UInt64.max)
        }

        @Test func randomDigitsAreUniformOverTheAlphabet() throws {
            let bytes = (0..<(248 * 4)).map { UInt8($0 % 248) }
            let digits = try #require(Base62.randomDigits(count: 248 * 4, from: bytes))
            var counts = [Int](repeating: 0, count: 62)
            for digit in digits { counts[Base62.value(ofDigit: digit)!] += 1 }
            #expect(counts.allSatisfy { $0 == 16 })
        }
    }
}
