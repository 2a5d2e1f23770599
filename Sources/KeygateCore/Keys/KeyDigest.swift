/// The SHA-256 digest of a full API key: the only form in which keys are stored and looked up.
///
/// Four words rather than an array so that it hashes and compares without allocating.
public struct KeyDigest: Hashable, Sendable {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Hashes the first word only: the words of a SHA-256 digest are already uniform, so hashing all four (the
    /// synthesized conformance) only costs the cache lookup more. Equality still compares all 32 bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.w0)
    }

    /// Builds a digest from exactly 32 bytes (big-endian words, so `bytes` round-trips).
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes, got \(bytes.count)")
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            words[index / 8] = words[index / 8] << 8 | UInt64(byte)
        }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// The 32 digest bytes, in order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [self.w0, self.w1, self.w2, self.w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }
}
