import KeygateCore
import Testing

/// Deterministic "random" bytes for building keys in tests: a simple LCG, so failures reproduce.
func testBytes(seed: UInt64, count: Int = 256) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

struct APIKeyFormatTests {
    let key = APIKeyFormat.make(prefix: "kg_", randomBytes: testBytes(seed: 1))!

    @Test func buildsPrefixRandomAndChecksum() throws {
        let utf8 = Array(self.key.utf8)
        #expect(utf8.count == 3 + 30 + 6)
        #expect(self.key.hasPrefix("kg_"))
        #expect(utf8[3...].allSatisfy { Base62.value(ofDigit: $0) != nil })
        let checksum = try #require(Base62.decode(utf8[33...]))
        #expect(checksum == UInt64(CRC32.checksum(utf8[..<33])))
        #expect(APIKeyFormat.isWellFormed(self.key))
    }

    @Test(arguments: ["kg_", "ab_", "a_", "acme_live_", "x1_y2_", "abcdefghijklmnopqrstuvw_"])
    func acceptsValidPrefixes(prefix: String) throws {
        #expect(APIKeyFormat.isValidPrefix(prefix))
        let key = try #require(APIKeyFormat.make(prefix: prefix, randomBytes: testBytes(seed: 7)))
        #expect(key.hasPrefix(prefix))
        #expect(APIKeyFormat.isWellFormed(key))
        #expect(APIKeyFormat.displayPrefix(of: key) == prefix + String(key.dropFirst(prefix.count).prefix(6)))
        #expect(APIKeyFormat.prefix(ofDisplayPrefix: APIKeyFormat.displayPrefix(of: key)) == prefix)
    }

    @Test(arguments: [
        "", "_", "k", "kg", "KG_", "1g_", "_g_", "kg-", "kg", "kg_x", "k g_", "ké_", "abcdefghijklmnopqrstuvwx_",
    ])
    func rejectsInvalidPrefixes(prefix: String) {
        #expect(!APIKeyFormat.isValidPrefix(prefix))
    }

    @Test func rejectsKeysWhosePrefixIsInvalid() {
        let suffix = String(self.key.dropFirst(3))
        for prefix in ["KG_", "kg", "9g_", "kg-", "abcdefghijklmnopqrstuvwx_"] {
            #expect(!APIKeyFormat.isWellFormed(prefix + suffix))
        }
    }

    @Test func everySingleCharacterSubstitutionFails() {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-. é")
        for key in [self.key, APIKeyFormat.make(prefix: "acme_live_", randomBytes: testBytes(seed: 2))!] {
            let characters = Array(key)
            for index in characters.indices {
                for replacement in alphabet where replacement != characters[index] {
                    var changed = characters
                    changed[index] = replacement
                    #expect(!APIKeyFormat.isWellFormed(String(changed)), "\(String(changed))")
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func everyAdjacentTranspositionFails(seed: UInt64) throws {
        let characters = Array(try #require(APIKeyFormat.make(prefix: "kg_", randomBytes: testBytes(seed: seed))))
        for index in characters.indices.dropLast() where characters[index] != characters[index + 1] {
            var swapped = characters
            swapped.swapAt(index, index + 1)
            #expect(!APIKeyFormat.isWellFormed(String(swapped)), "\(String(swapped))")
        }
    }

    @Test func rejectsWrongLengths() {
        #expect(!APIKeyFormat.isWellFormed(""))
        #expect(!APIKeyFormat.isWellFormed(String(self.key.dropLast())))
        #expect(!APIKeyFormat.isWellFormed(String(self.key.dropFirst())))
        #expect(!APIKeyFormat.isWellFormed(self.key + "0"))
        #expect(!APIKeyFormat.isWellFormed("kg_" + self.key))  // "kg_kg_" is a valid prefix, but the checksum differs
        #expect(!APIKeyFormat.isWellFormed(String(repeating: "a", count: 10_000)))
        // The 36 characters after the prefix alone are not a key.
        #expect(!APIKeyFormat.isWellFormed(String(self.key.dropFirst(3))))
    }

    @Test func rejectsNonASCIIAndControlBytes() {
        #expect(!APIKeyFormat.isWellFormed("kg_" + String(repeating: "é", count: 36)))
        #expect(!APIKeyFormat.isWellFormed(String(self.key.dropLast()) + "\u{0}"))
        #expect(!APIKeyFormat.isWellFormed("kg_🔑" + self.key.dropFirst(4)))
        let bytes: [UInt8] = Array(self.key.utf8.dropLast()) + [0xFF]
        #expect(!bytes.withUnsafeBytes { APIKeyFormat.isWellFormed(utf8: $0) })
    }

    @Test func checksMatchesForRawBytesAndSubstrings() {
        #expect(Array(self.key.utf8).withUnsafeBytes { APIKeyFormat.isWellFormed(utf8: $0) })
        #expect(APIKeyFormat.isWellFormed(String(("Bearer " + self.key).dropFirst(7))))
        #expect(!APIKeyFormat.isWellFormed(utf8: UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    @Test func makeUsesOnlyBytesBelow248() throws {
        // 248...255 are skipped; 0 and 62 both give "0"; 61 gives "z"; 247 gives 247 % 62 = 61 -> "z".
        let bytes: [UInt8] = [255, 248, 0, 62, 61, 247] + Array(repeating: 1, count: 26)
        let key = try #require(APIKeyFormat.make(prefix: "kg_", randomBytes: bytes))
        #expect(key.dropFirst(3).prefix(30) == "00zz" + String(repeating: "1", count: 26))
        #expect(APIKeyFormat.isWellFormed(key))
    }

    @Test func makeReturnsNilWhenBytesRunOut() {
        #expect(APIKeyFormat.make(prefix: "kg_", randomBytes: [UInt8](repeating: 5, count: 29)) == nil)
        #expect(APIKeyFormat.make(prefix: "kg_", randomBytes: [UInt8](repeating: 250, count: 1000)) == nil)
        #expect(APIKeyFormat.make(prefix: "kg_", randomBytes: [UInt8](repeating: 5, count: 30)) != nil)
    }

    @Test func checksumIsSixZeroPaddedDigits() throws {
        // Find a key whose CRC is small enough to need padding, then check the padding is '0'.
        for seed in UInt64(0)..<2_000 {
            let key = try #require(APIKeyFormat.make(prefix: "kg_", randomBytes: testBytes(seed: seed)))
            let checksum = CRC32.checksum(Array(key.utf8).dropLast(6))
            if checksum < 62 * 62 * 62 * 62 * 62 {
                #expect(key.hasSuffix(Base62.encode(UInt64(checksum), width: 6)!))
                #expect(Array(key.utf8)[key.utf8.count - 6] == UInt8(ascii: "0"))
                return
            }
        }
        Issue.record("no seed gave a checksum below 62^5")
    }

    @Test func displayPrefixIsEmptyForMalformedKeys() {
        #expect(APIKeyFormat.displayPrefix(of: self.key) == String(self.key.prefix(9)))
        #expect(APIKeyFormat.displayPrefix(of: String(self.key.dropLast()) + "!") == "")
        #expect(APIKeyFormat.displayPrefix(of: "") == "")
    }
}
