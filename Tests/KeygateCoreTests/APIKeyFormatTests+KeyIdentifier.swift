import KeygateCore
import Testing

extension APIKeyFormatTests {
    struct KeyIdentifierTests {
        @Test func makesKidPlusSixteenBase62() throws {
            let id = try #require(KeyIdentifier.make(randomBytes: testBytes(seed: 3)))
            #expect(id.hasPrefix("kid_"))
            #expect(id.utf8.count == 20)
            #expect(KeyIdentifier.isValid(id))
            #expect(KeyIdentifier.make(randomBytes: [UInt8](repeating: 1, count: 15)) == nil)
        }

        @Test(arguments: [
            "", "kid_", "kid_123456789012345", "kid_12345678901234567", "KID_1234567890123456", "kid-1234567890123456",
            "kid_123456789012345_", "kid_12345678901234é", "kg_12345678901234567",
        ])
        func rejects(candidate: String) {
            #expect(!KeyIdentifier.isValid(candidate))
        }
    }
}
