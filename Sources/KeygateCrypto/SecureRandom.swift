import CKeygateCrypto

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`), which reseeds itself after `fork`.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "random byte count \(count) out of range")
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard result == 1 else { throw CryptoError.draining(call: "RAND_bytes") }
        return bytes
    }
}
