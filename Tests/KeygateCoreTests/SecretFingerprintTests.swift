import KeygateCore
import Testing

/// SipHash-2-4-128 against the reference implementation's vectors (github.com/veorq/SipHash, `vectors_sip128`:
/// key 00 01 … 0f, message i = the bytes 00 01 … i-1), at every tail length and across block boundaries.
struct SecretFingerprintTests {
    /// The reference key 00 01 … 0f as the two little-endian words.
    let fingerprinter = SecretFingerprinter(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)

    func fingerprint(length: Int) -> SecretFingerprint {
        (0..<length).map { UInt8($0) }.withUnsafeBytes { self.fingerprinter.fingerprint($0) }
    }

    /// The reference's 16 output bytes as the two words (bytes 0-7 and 8-15, little-endian).
    func expected(_ hex: String) -> SecretFingerprint {
        let bytes = stride(from: 0, to: 32, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        func word(_ range: Range<Int>) -> UInt64 { bytes[range].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        return SecretFingerprint(w0: word(0..<8), w1: word(8..<16))
    }

    @Test(arguments: [
        (0, "a3817f04ba25a8e66df67214c7550293"),
        (1, "da87c1d86b99af44347659119b22fc45"),
        (7, "a1f1ebbed8dbc153c0b84aa61ff08239"),
        (8, "3b62a9ba6258f5610f83e264f31497b4"),
        (9, "264499060ad9baabc47f8b02bb6d71ed"),
        (15, "5493e99933b0a8117e08ec0f97cfc3d9"),
        (16, "6ee2a4ca67b054bbfd3315bf85230577"),
        (63, "5150d1772f50834a503e069a973fbd7c"),
    ])
    func matchesTheReferenceVectors(length: Int, hex: String) {
        #expect(self.fingerprint(length: length) == self.expected(hex))
    }

    @Test func aStringIsFingerprintedAsItsUTF8() {
        let text = "kg_live_0123456789abcdefghijklmnopqrstuvwxyz"
        let bytes = Array(text.utf8)
        #expect(self.fingerprinter.fingerprint(text) == bytes.withUnsafeBytes { self.fingerprinter.fingerprint($0) })
        // A bridged or substring-backed string without contiguous storage takes the copying path: same value.
        #expect(self.fingerprinter.fingerprint(String(text.dropFirst(0))) == self.fingerprinter.fingerprint(text))
    }

    @Test func anotherKeyGivesAnotherFingerprint() {
        let other = SecretFingerprinter(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0909)
        #expect(other.fingerprint("kg_same_secret") != self.fingerprinter.fingerprint("kg_same_secret"))
        #expect(self.fingerprinter.fingerprint("kg_same_secret") != self.fingerprinter.fingerprint("kg_same_secres"))
    }
}
