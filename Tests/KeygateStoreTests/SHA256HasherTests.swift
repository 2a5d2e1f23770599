import KeygateCore
import KeygateCrypto
import Testing

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

struct SHA256HasherTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func matchesKnownVectors(text: String, expected: String) throws {
        let hasher = try SHA256Hasher()
        #expect(hex(hasher.digest(text).bytes) == expected)
        // The context is reused: hashing again, and from raw bytes, gives the same digest.
        #expect(hex(hasher.digest(text).bytes) == expected)
        #expect(hex(Array(text.utf8).withUnsafeBytes { hasher.digest($0) }.bytes) == expected)
    }

    @Test func digestWordsAreBigEndian() throws {
        let digest = try SHA256Hasher().digest("abc")
        #expect(digest.w0 == 0xBA78_16BF_8F01_CFEA)
        #expect(KeyDigest(bytes: digest.bytes) == digest)
    }
}
