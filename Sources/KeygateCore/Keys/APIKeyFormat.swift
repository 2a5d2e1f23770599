/// The shape of API keys: `<prefix><30 random base62 chars><6 base62 chars of CRC-32>`, as GitHub tokens do.
///
/// A prefix is 2-24 characters matching `[a-z][a-z0-9_]*` and ending in `_` (`kg_`, `acme_live_`). Random characters
/// cannot contain `_`, so the prefix is everything before the last 36 characters. The checksum is the CRC-32
/// (zlib's) of the UTF-8 of prefix and random part, written as exactly 6 base62 digits, most significant first,
/// padded with `0`. It lets anyone reject a mistyped or made-up key offline, before touching the database; it is not
/// a secret and proves nothing about whether a key exists.
public enum APIKeyFormat {
    /// The prefix `keys create` uses unless told otherwise.
    public static let defaultPrefix = "kg_"
    /// Random base62 characters after the prefix: 30 characters carry about 178 bits.
    public static let randomLength = 30
    /// Base62 digits of the CRC-32 at the end (62^6 > 2^32).
    public static let checksumLength = 6
    /// Allowed prefix lengths in characters, `_` included.
    public static let prefixLengths = 2...24
    /// Random characters that ``displayPrefix(of:)`` keeps after the prefix.
    public static let displayRandomLength = 6

    /// Characters after the prefix: random part plus checksum.
    private static let suffixLength = randomLength + checksumLength

    /// True if `prefix` is 2-24 characters of `[a-z][a-z0-9_]*` that end in `_`.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        let check = { (utf8: UnsafeRawBufferPointer) in Self.isValidPrefix(utf8: utf8, in: 0..<utf8.count) }
        if let result = prefix.utf8.withContiguousStorageIfAvailable({ check(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(prefix.utf8).withUnsafeBytes(check)
    }

    /// Builds a key from CSPRNG bytes.
    ///
    /// Pure: the caller supplies the randomness. Bytes are consumed by rejection sampling (see
    /// ``Base62/randomDigits(count:from:)``) until 30 characters are accepted; returns `nil` if `randomBytes` ran out
    /// first (64 bytes practically always suffice). `prefix` must satisfy ``isValidPrefix(_:)``; passing an invalid
    /// one is a bug and traps.
    public static func make(prefix: String, randomBytes: some Sequence<UInt8>) -> String? {
        precondition(Self.isValidPrefix(prefix), "invalid API key prefix \"\(prefix)\"")
        guard let random = Base62.randomDigits(count: Self.randomLength, from: randomBytes) else { return nil }
        var utf8 = Array(prefix.utf8)
        utf8.reserveCapacity(utf8.count + Self.suffixLength)
        utf8.append(contentsOf: random)
        let checksum = CRC32.checksum(utf8)
        // 62^6 exceeds 2^32, so any CRC-32 fits the six digits.
        utf8.append(contentsOf: Base62.digits(of: UInt64(checksum), width: Self.checksumLength)!)
        return String(decoding: utf8, as: UTF8.self)
    }

    /// True when `candidate` has the shape prefix + 30 + 6 with a valid prefix and a matching checksum.
    ///
    /// Any string is acceptable input. Native strings are checked in place, without allocating.
    public static func isWellFormed(_ candidate: String) -> Bool {
        let utf8 = candidate.utf8
        if let result = utf8.withContiguousStorageIfAvailable({ Self.isWellFormed(utf8: UnsafeRawBufferPointer($0)) }) {
            return result
        }
        guard utf8.count <= Self.prefixLengths.upperBound + Self.suffixLength else { return false }
        return Array(utf8).withUnsafeBytes { Self.isWellFormed(utf8: $0) }
    }

    /// True when the UTF-8 bytes `candidate` have the shape prefix + 30 + 6, a valid prefix and a matching checksum.
    ///
    /// Reads `candidate` in place and never allocates; any bytes are acceptable input.
    public static func isWellFormed(utf8 candidate: UnsafeRawBufferPointer) -> Bool {
        let count = candidate.count
        guard count >= Self.prefixLengths.lowerBound + Self.suffixLength,
            count <= Self.prefixLengths.upperBound + Self.suffixLength
        else { return false }
        let prefixEnd = count - Self.suffixLength
        let checksumStart = count - Self.checksumLength
        guard Self.isValidPrefix(utf8: candidate, in: 0..<prefixEnd) else { return false }
        for index in prefixEnd..<checksumStart where Base62.value(ofDigit: candidate[index]) == nil { return false }
        var crc = CRC32()
        crc.update(bytes: UnsafeRawBufferPointer(rebasing: candidate[0..<checksumStart]))
        var written: UInt64 = 0
        for index in checksumStart..<count {
            guard let digit = Base62.value(ofDigit: candidate[index]) else { return false }
            written = written * UInt64(Base62.radix) + UInt64(digit)
        }
        // The checksum is computed from the candidate itself and guards no secret: a plain compare leaks nothing.
        return written == UInt64(crc.value)
    }

    /// The prefix plus the first 6 random characters (`kg_4f9Qx2`), stored so that humans can recognise a key.
    ///
    /// Six base62 characters (36 bits) of 178 do not help guess the rest. Returns an empty string if `key` is not
    /// well-formed, so that a mistyped secret never ends up in a listing or a log.
    public static func displayPrefix(of key: String) -> String {
        guard Self.isWellFormed(key) else { return "" }
        let utf8 = Array(key.utf8)
        let end = utf8.count - Self.suffixLength + Self.displayRandomLength
        return String(decoding: utf8[0..<end], as: UTF8.self)
    }

    /// The prefix of a display prefix such as `acme_live_4f9Qx2` (`acme_live_`), or `nil` if it has no valid prefix.
    public static func prefix(ofDisplayPrefix displayPrefix: String) -> String? {
        let utf8 = Array(displayPrefix.utf8)
        guard utf8.count > Self.displayRandomLength else { return nil }
        let prefix = String(decoding: utf8[0..<(utf8.count - Self.displayRandomLength)], as: UTF8.self)
        return Self.isValidPrefix(prefix) ? prefix : nil
    }

    /// True if `utf8[range]` is 2-24 bytes of `[a-z][a-z0-9_]*` ending in `_`; indexes in place, never allocates.
    static func isValidPrefix(utf8: UnsafeRawBufferPointer, in range: Range<Int>) -> Bool {
        guard range.count >= Self.prefixLengths.lowerBound, range.count <= Self.prefixLengths.upperBound else {
            return false
        }
        for index in range {
            switch utf8[index] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"): if index == range.lowerBound { return false }
            default: return false
            }
        }
        return utf8[range.upperBound - 1] == UInt8(ascii: "_")
    }
}

/// Public identifiers of keys: `kid_` followed by 16 base62 characters (about 95 random bits).
///
/// Identifiers are not secret: they name a key in the CLI, in logs and in headers sent upstream.
public enum KeyIdentifier {
    /// The fixed start of every identifier.
    public static let prefix = "kid_"
    /// Random base62 characters after the prefix.
    public static let randomLength = 16

    /// Builds an identifier from CSPRNG bytes by rejection sampling; `nil` if `randomBytes` ran out first.
    public static func make(randomBytes: some Sequence<UInt8>) -> String? {
        guard let random = Base62.randomDigits(count: Self.randomLength, from: randomBytes) else { return nil }
        return Self.prefix + String(decoding: random, as: UTF8.self)
    }

    /// True if `candidate` is `kid_` followed by exactly 16 base62 characters.
    public static func isValid(_ candidate: String) -> Bool {
        let utf8 = candidate.utf8
        guard utf8.count == Self.prefix.utf8.count + Self.randomLength, utf8.starts(with: Self.prefix.utf8) else {
            return false
        }
        return utf8.dropFirst(Self.prefix.utf8.count).allSatisfy { Base62.value(ofDigit: $0) != nil }
    }
}
