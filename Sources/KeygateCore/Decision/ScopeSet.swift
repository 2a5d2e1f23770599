/// Scope strings and the rule for whether granted scopes cover required ones.
///
/// A granted scope covers a required one when they are equal, when it is `*`, or when it ends in `:*` and the
/// required scope starts with what precedes the `*` (`reports:*` covers `reports:read` and `reports:daily:read`).
public enum ScopeSet {
    /// Scopes are 1-64 characters of `A-Z a-z 0-9 : . _ - / *`.
    public static func isValid(_ scope: String) -> Bool {
        guard !scope.isEmpty, scope.utf8.count <= 64 else { return false }
        return scope.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "*"):
                return true
            default:
                return false
            }
        }
    }

    /// Splits a space- or comma-separated list, dropping empties.
    public static func parse(_ text: some StringProtocol) -> [String] {
        let isSeparator = { (byte: UInt8) in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\t")
        }
        // One scope per route is the common case (a header or param on every request): no splitting needed. A native
        // string's bytes are searched in place (the generic view's iterator costs ~30 instructions a byte).
        let separated =
            text.utf8.withContiguousStorageIfAvailable { $0.contains(where: isSeparator) }
            ?? text.utf8.contains(where: isSeparator)
        if !separated { return text.isEmpty ? [] : [String(text)] }
        return text.utf8.split(whereSeparator: isSeparator).map { String(decoding: $0, as: UTF8.self) }
    }

    public static func grants(_ granted: [String], _ required: String) -> Bool {
        for scope in granted {
            if scope == required || scope == "*" { return true }
            if scope.hasSuffix(":*"), required.hasPrefix(scope.dropLast()), required.count > scope.count - 1 {
                return true
            }
        }
        return false
    }

    /// Whether `granted` covers every scope in `required` (``missing(from:required:)`` is empty), without allocating.
    public static func covers(_ granted: [String], _ required: [String]) -> Bool {
        required.allSatisfy { grants(granted, $0) }
    }

    /// The required scopes that `granted` does not cover, in order.
    public static func missing(from granted: [String], required: [String]) -> [String] {
        required.filter { !grants(granted, $0) }
    }
}
