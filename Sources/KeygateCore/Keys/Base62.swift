/// Base62 digits `0-9A-Za-z`, in that order, as in GitHub-style tokens.
///
/// Digits are handled as ASCII bytes so that callers can validate and build keys without creating `Character`s.
public enum Base62 {
    /// The number of digits.
    public static let radix = 62

    /// The ASCII byte of the digit worth `value`, which must be in `0..<62`.
    @inline(__always)
    public static func digit(_ value: Int) -> UInt8 {
        precondition(value >= 0 && value < Self.radix, "base62 digit value \(value) out of range")
        switch value {
        case 0..<10: return UInt8(ascii: "0") + UInt8(value)
        case 10..<36: return UInt8(ascii: "A") + UInt8(value - 10)
        default: return UInt8(ascii: "a") + UInt8(value - 36)
        }
    }

    /// The value of the ASCII digit `byte`, or `nil` if `byte` is not a base62 digit.
    @inline(__always)
    public static func value(ofDigit byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(byte - UInt8(ascii: "a")) + 36
        default: return nil
        }
    }

    /// Writes `value` as exactly `width` digits, most significant first and padded with `0`.
    ///
    /// Returns `nil` if `value` needs more than `width` digits.
    public static func encode(_ value: UInt64, width: Int) -> String? {
        precondition(width >= 0, "negative base62 width \(width)")
        guard let digits = Self.digits(of: value, width: width) else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The `width` ASCII digits of `value`, most significant first and padded with `0`; `nil` if it does not fit.
    public static func digits(of value: UInt64, width: Int) -> [UInt8]? {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var remaining = value
        var index = width
        while remaining > 0 {
            guard index > 0 else { return nil }
            index -= 1
            digits[index] = Self.digit(Int(remaining % UInt64(Self.radix)))
            remaining /= UInt64(Self.radix)
        }
        return digits
    }

    /// The value of the ASCII digits `digits`, most significant first.
    ///
    /// Returns `nil` if `digits` is empty, holds a byte that is not a base62 digit, or overflows 64 bits.
    public static func decode(_ digits: some Sequence<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var sawDigit = false
        for byte in digits {
            guard let digit = Self.value(ofDigit: byte) else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: UInt64(Self.radix))
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflowA, !overflowB else { return nil }
            value = sum
            sawDigit = true
        }
        return sawDigit ? value : nil
    }

    /// Draws `count` uniformly distributed digits from CSPRNG bytes by rejection sampling.
    ///
    /// A byte is used only if it is below 248 (the largest multiple of 62 that fits a byte), as `byte % 62`,
    /// so every digit is equally likely. Returns `nil` if `randomBytes` ends before `count` digits were accepted.
    public static func randomDigits(count: Int, from randomBytes: some Sequence<UInt8>) -> [UInt8]? {
        precondition(count >= 0, "negative digit count \(count)")
        var digits: [UInt8] = []
        digits.reserveCapacity(count)
        var iterator = randomBytes.makeIterator()
        while digits.count < count {
            guard let byte = iterator.next() else { return nil }
            if byte < 248 {
                digits.append(Self.digit(Int(byte % 62)))
            }
        }
        return digits
    }
}
