/// A worker's private 128-bit name for a presented secret: SipHash-2-4 with a 128-bit output, under a key drawn at
/// random when the worker starts. The key cache is indexed by it, so a request whose key is cached costs one SipHash
/// (about a tenth of a SHA-256 of the same secret) and SHA-256 runs only on a cache miss, before the store lookup.
///
/// Why this is safe: SipHash is a pseudorandom function of its key, and the key never leaves the worker's memory, so
/// without it nobody can produce a second secret with a cached secret's fingerprint (a 2^-128 chance per try). A
/// fingerprint is only ever cached after the SHA-256 digest of the same secret was looked up, so the cache maps
/// fingerprints to what the digest found, exactly as it mapped digests before. Fingerprints are never stored or sent.
///
/// Written here rather than taken from libcrypto: OpenSSL 3's `EVP_MAC` SipHash costs more in provider dispatch than
/// the whole function (40 lines, checked against the reference implementation's vectors in the tests).
public struct SecretFingerprint: Hashable, Sendable {
    public var w0: UInt64
    public var w1: UInt64

    public init(w0: UInt64, w1: UInt64) {
        self.w0 = w0
        self.w1 = w1
    }

    /// Hashes the first word only: a SipHash output is already uniform. Equality still compares both words.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.w0)
    }
}

/// Computes ``SecretFingerprint``s under one 128-bit key.
public struct SecretFingerprinter: Sendable {
    private let k0: UInt64
    private let k1: UInt64

    /// A fingerprinter under the key `k0 || k1` (`k0` from key bytes 0-7, little-endian, as in the reference).
    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// The fingerprint of `bytes`: SipHash-2-4-128, words `w0` and `w1` as the reference's output bytes 0-7 and
    /// 8-15 read little-endian.
    public func fingerprint(_ bytes: UnsafeRawBufferPointer) -> SecretFingerprint {
        var state = State(k0: self.k0, k1: self.k1)
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            state.compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        state.compress(last)
        state.v2 ^= 0xEE
        state.rounds(4)
        let w0 = state.v0 ^ state.v1 ^ state.v2 ^ state.v3
        state.v1 ^= 0xDD
        state.rounds(4)
        return SecretFingerprint(w0: w0, w1: state.v0 ^ state.v1 ^ state.v2 ^ state.v3)
    }

    /// The fingerprint of the UTF-8 of `text`; native strings are read in place.
    public func fingerprint(_ text: String) -> SecretFingerprint {
        if let fingerprint = text.utf8.withContiguousStorageIfAvailable({ self.fingerprint(UnsafeRawBufferPointer($0)) }
        ) {
            return fingerprint
        }
        return Array(text.utf8).withUnsafeBytes { self.fingerprint($0) }
    }

    private struct State {
        var v0: UInt64
        var v1: UInt64
        var v2: UInt64
        var v3: UInt64

        init(k0: UInt64, k1: UInt64) {
            self.v0 = 0x736f_6d65_7073_6575 ^ k0
            self.v1 = 0x646f_7261_6e64_6f6d ^ k1 ^ 0xEE  // 0xEE: the 128-bit output variant
            self.v2 = 0x6c79_6765_6e65_7261 ^ k0
            self.v3 = 0x7465_6462_7974_6573 ^ k1
        }

        @inline(__always)
        mutating func compress(_ message: UInt64) {
            self.v3 ^= message
            self.rounds(2)
            self.v0 ^= message
        }

        @inline(__always)
        mutating func rounds(_ count: Int) {
            for _ in 0..<count {
                self.v0 &+= self.v1
                self.v1 = self.v1.rotatedLeft(13) ^ self.v0
                self.v0 = self.v0.rotatedLeft(32)
                self.v2 &+= self.v3
                self.v3 = self.v3.rotatedLeft(16) ^ self.v2
                self.v0 &+= self.v3
                self.v3 = self.v3.rotatedLeft(21) ^ self.v0
                self.v2 &+= self.v1
                self.v1 = self.v1.rotatedLeft(17) ^ self.v2
                self.v2 = self.v2.rotatedLeft(32)
            }
        }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        self << count | self >> (64 - count)
    }
}
