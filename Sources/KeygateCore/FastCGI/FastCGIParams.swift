/// The name-value pairs of one request, stored in one byte buffer (few allocations).
///
/// The buffer holds the PARAMS stream exactly as it arrived (length prefixes included); an entry per pair records where
/// its name and value lie. Strings are built only when a value is asked for, and lookups compare bytes.
public struct FastCGIParams: Sendable {
    /// Where one pair's name and value lie in ``storage``.
    struct Entry: Sendable, Equatable {
        var nameStart: Int
        var nameCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    /// Largest name or value length a 4-byte prefix can express.
    static let maxEncodedLength = 0x7FFF_FFFF

    private(set) var storage: [UInt8]
    private(set) var entries: [Entry]

    /// Creates an empty set of parameters.
    public init() {
        self.storage = []
        self.entries = []
    }

    /// Creates parameters from `pairs`, in order; convenient for tests.
    public init(_ pairs: [(String, String)]) {
        var storage: [UInt8] = []
        var entries: [Entry] = []
        entries.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            Self.appendLength(name.utf8.count, to: &storage)
            Self.appendLength(value.utf8.count, to: &storage)
            let nameStart = storage.count
            storage.append(contentsOf: name.utf8)
            let valueStart = storage.count
            storage.append(contentsOf: value.utf8)
            entries.append(
                Entry(
                    nameStart: nameStart, nameCount: valueStart - nameStart, valueStart: valueStart,
                    valueCount: storage.count - valueStart))
        }
        self.storage = storage
        self.entries = entries
    }

    /// Parses a complete name-value stream (FastCGI spec §3.4), taking ownership of `encoded`.
    ///
    /// Throws ``FastCGIError/malformedNameValuePair`` when a length prefix, name or value runs past the end, and
    /// ``FastCGIError/tooManyParams(limit:)`` when there are more than `maxCount` pairs.
    package init(encoded: [UInt8], maxCount: Int) throws(FastCGIError) {
        // Pass 1 validates and counts, so pass 2 fills an array allocated once at its final size.
        var count = 0
        var offset = 0
        while offset < encoded.count {
            guard let nameCount = Self.readLength(encoded, at: &offset),
                let valueCount = Self.readLength(encoded, at: &offset),
                encoded.count - offset >= nameCount,
                encoded.count - offset - nameCount >= valueCount
            else { throw .malformedNameValuePair }
            count += 1
            guard count <= maxCount else { throw .tooManyParams(limit: maxCount) }
            offset += nameCount + valueCount
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        offset = 0
        while offset < encoded.count {
            // Pass 1 proved every read below is in bounds.
            let nameCount = Self.readLength(encoded, at: &offset) ?? 0
            let valueCount = Self.readLength(encoded, at: &offset) ?? 0
            entries.append(
                Entry(nameStart: offset, nameCount: nameCount, valueStart: offset + nameCount, valueCount: valueCount))
            offset += nameCount + valueCount
        }
        self.storage = encoded
        self.entries = entries
    }

    /// Number of pairs, duplicates included.
    public var count: Int { self.entries.count }

    /// The value of the first pair named exactly `name` (case-sensitive), or `nil`.
    public subscript(name: String) -> String? {
        guard let bytes = self.valueBytes(name) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes of the first value named exactly `name`, without building a `String`; `nil` if absent.
    public func valueBytes(_ name: String) -> ArraySlice<UInt8>? {
        guard let index = self.entryIndex(named: name) else { return nil }
        let entry = self.entries[index]
        return self.storage[entry.valueStart..<(entry.valueStart + entry.valueCount)]
    }

    /// Calls `body` with each pair's name bytes and entry index, in arrival order: a reader that wants several
    /// values finds them all in one pass, then builds only the strings it uses with ``value(atEntry:)``.
    func forEachName(_ body: (UnsafeRawBufferPointer, Int) -> Void) {
        self.storage.withUnsafeBytes { bytes in
            for index in self.entries.indices {
                let entry = self.entries[index]
                let name = entry.nameStart..<(entry.nameStart + entry.nameCount)
                body(UnsafeRawBufferPointer(rebasing: bytes[name]), index)
            }
        }
    }

    /// The value of the pair at `index` (from ``forEachName(_:)``); invalid UTF-8 is repaired with U+FFFD.
    func value(atEntry index: Int) -> String {
        let entry = self.entries[index]
        let value = entry.valueStart..<(entry.valueStart + entry.valueCount)
        return self.storage.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[value]), as: UTF8.self)
        }
    }

    /// Whether the value of the pair at `index` (from ``forEachName(_:)``) is exactly `literal`, without building it.
    func value(atEntry index: Int, is literal: StaticString) -> Bool {
        let entry = self.entries[index]
        let value = entry.valueStart..<(entry.valueStart + entry.valueCount)
        return self.storage.withUnsafeBytes { Self.equals(UnsafeRawBufferPointer(rebasing: $0[value]), literal) }
    }

    /// Whether `name` is exactly `literal`, compared a word at a time.
    @inline(__always)
    static func equals(_ name: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard name.count == count else { return false }
        let base = name.baseAddress!
        let expected = UnsafeRawPointer(literal.utf8Start)
        var offset = 0
        while offset + 8 <= count {
            guard
                base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == expected.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        while offset < count {
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            guard byte == expected.load(fromByteOffset: offset, as: UInt8.self) else { return false }
            offset += 1
        }
        return true
    }

    /// Whether some pair is named exactly `name`.
    public func contains(_ name: String) -> Bool {
        self.entryIndex(named: name) != nil
    }

    /// Calls `body` with each pair in arrival order; invalid UTF-8 is repaired with U+FFFD.
    public func forEach(_ body: (String, String) -> Void) {
        for entry in self.entries {
            body(
                String(decoding: self.storage[entry.nameStart..<(entry.nameStart + entry.nameCount)], as: UTF8.self),
                String(
                    decoding: self.storage[entry.valueStart..<(entry.valueStart + entry.valueCount)], as: UTF8.self))
        }
    }

    /// The pairs as strings, in arrival order.
    public var pairs: [(String, String)] {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(self.entries.count)
        self.forEach { pairs.append(($0, $1)) }
        return pairs
    }

    /// The index of the first entry whose name bytes equal `name`'s UTF-8.
    private func entryIndex(named name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in
            self.storage.withUnsafeBufferPointer { bytes in
                candidates: for index in self.entries.indices {
                    let entry = self.entries[index]
                    guard entry.nameCount == key.count else { continue }
                    var offset = 0
                    while offset < key.count {
                        guard bytes[entry.nameStart + offset] == key[offset] else { continue candidates }
                        offset += 1
                    }
                    return index
                }
                return nil
            }
        }
    }

    /// Reads a 1-byte (≤ 127) or 4-byte (top bit set) length at `offset` and advances past it; `nil` if truncated.
    static func readLength(_ bytes: [UInt8], at offset: inout Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let first = bytes[offset]
        if first & 0x80 == 0 {
            offset += 1
            return Int(first)
        }
        guard bytes.count - offset >= 4 else { return nil }
        let length =
            Int(first & 0x7F) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
        offset += 4
        return length
    }

    /// Appends `length` as a 1-byte prefix when it is at most 127, otherwise as 4 bytes with the top bit set.
    package static func appendLength(_ length: Int, to output: inout [UInt8]) {
        precondition(length >= 0 && length <= Self.maxEncodedLength, "name-value length \(length)")
        if length <= 127 {
            output.append(UInt8(length))
        } else {
            output.append(UInt8(truncatingIfNeeded: length >> 24) | 0x80)
            output.append(UInt8(truncatingIfNeeded: length >> 16))
            output.append(UInt8(truncatingIfNeeded: length >> 8))
            output.append(UInt8(truncatingIfNeeded: length))
        }
    }
}

extension FastCGIParams: Equatable {
    /// Two parameter sets are equal when they hold the same pairs, byte for byte, in the same order.
    public static func == (lhs: FastCGIParams, rhs: FastCGIParams) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (left, right) in zip(lhs.entries, rhs.entries) {
            guard left.nameCount == right.nameCount, left.valueCount == right.valueCount,
                lhs.storage[left.nameStart..<(left.nameStart + left.nameCount)]
                    == rhs.storage[right.nameStart..<(right.nameStart + right.nameCount)],
                lhs.storage[left.valueStart..<(left.valueStart + left.valueCount)]
                    == rhs.storage[right.valueStart..<(right.valueStart + right.valueCount)]
            else { return false }
        }
        return true
    }
}
