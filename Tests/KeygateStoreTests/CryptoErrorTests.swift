import CKeygateCrypto
import KeygateCrypto
import Testing

struct CryptoErrorTests {
    @Test func describesTheCallAndTheDetail() {
        let error = CryptoError(call: "RAND_bytes", detail: "error:12345678:random number generator::failed")
        #expect(error.description == "RAND_bytes failed: error:12345678:random number generator::failed")
    }

    @Test func drainsOpenSSLsErrorQueue() {
        #expect(EVP_MD_fetch(nil, "NO-SUCH-DIGEST", nil) == nil)
        let error = CryptoError.draining(call: "EVP_MD_fetch")
        #expect(error.description.hasPrefix("EVP_MD_fetch failed: error:"))
        #expect(error.detail.contains("unsupported"))
        // The queue is now empty.
        #expect(CryptoError.draining(call: "none").detail == "OpenSSL queued no error")
    }
}
