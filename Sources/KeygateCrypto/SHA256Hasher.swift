import CKeygateCrypto
public import KeygateCore

/// Reusable SHA-256 over OpenSSL 3 libcrypto, for hashing API keys on the request path.
///
/// Fetches the algorithm once (`EVP_MD_fetch(NULL, "SHA256", NULL)`) and reuses one `EVP_MD_CTX`
/// (`EVP_DigestInit_ex2`, `EVP_DigestUpdate`, `EVP_DigestFinal_ex`), which costs about a third of the one-shot
/// `EVP_Digest` in OpenSSL 3. Not thread-safe: give each worker thread its own. Frees both objects in `deinit`.
public final class SHA256Hasher {
    /// The fetched `EVP_MD *`; owned.
    private let algorithm: OpaquePointer
    /// The reused `EVP_MD_CTX *`; owned.
    private let context: OpaquePointer

    /// Fetches SHA-256 from the default provider and allocates a digest context.
    public init() throws(CryptoError) {
        guard let algorithm = EVP_MD_fetch(nil, "SHA256", nil) else { throw CryptoError.draining(call: "EVP_MD_fetch") }
        guard let context = EVP_MD_CTX_new() else {
            EVP_MD_free(algorithm)
            throw CryptoError.draining(call: "EVP_MD_CTX_new")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(self.context)
        EVP_MD_free(self.algorithm)
    }

    /// The SHA-256 digest of `bytes`.
    ///
    /// With the algorithm fetched and the context allocated, these calls can only fail on memory exhaustion or a
    /// broken libcrypto, so a failure traps.
    public func digest(_ bytes: UnsafeRawBufferPointer) -> KeyDigest {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { output -> KeyDigest in
            var length: UInt32 = 0
            guard EVP_DigestInit_ex2(self.context, self.algorithm, nil) == 1,
                EVP_DigestUpdate(self.context, bytes.baseAddress, bytes.count) == 1,
                EVP_DigestFinal_ex(self.context, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &length) == 1
            else { fatalError("SHA-256 failed after setup: \(OpenSSLErrorQueue.drain())") }
            precondition(length == 32, "SHA-256 produced \(length) bytes")
            let words = UnsafeRawBufferPointer(output)
            return KeyDigest(
                w0: UInt64(bigEndian: words.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                w1: UInt64(bigEndian: words.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                w2: UInt64(bigEndian: words.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                w3: UInt64(bigEndian: words.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }

    /// The SHA-256 digest of the UTF-8 of `text`; native strings are hashed in place.
    public func digest(_ text: String) -> KeyDigest {
        if let digest = text.utf8.withContiguousStorageIfAvailable({ self.digest(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(text.utf8).withUnsafeBytes { self.digest($0) }
    }
}
