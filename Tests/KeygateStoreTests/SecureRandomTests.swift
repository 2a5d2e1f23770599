import KeygateCrypto
import Testing

struct SecureRandomTests {
    @Test func returnsTheRequestedCount() throws {
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
        let first = try SecureRandom.bytes(count: 32)
        let second = try SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
    }

    @Test func describesFailures() {
        let error = CryptoError(call: "RAND_bytes", detail: "error:12345678:random number generator::failed")
        #expect(error.description == "RAND_bytes failed: error:12345678:random number generator::failed")
    }
}
