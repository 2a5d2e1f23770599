import CKeygatePQ
import KeygateStore

/// The rows of one query, text format; owns its `PGresult`, freed on deinit.
public final class PostgresResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(self.handle)
    }

    /// How many rows the query returned. The corresponding C function is `PQntuples`.
    public var count: Int { Int(PQntuples(self.handle)) }

    /// Row `index` (from 0), valid while this result lives.
    package func row(_ index: Int) -> PostgresRow {
        precondition(index >= 0 && index < self.count, "row \(index) of \(self.count)")
        return PostgresRow(result: self, handle: self.handle, index: Int32(index))
    }

    /// Every row, in order.
    package var rows: [PostgresRow] { (0..<self.count).map { self.row($0) } }
}

/// One row of a ``PostgresResult``: text columns read by position, as ``KeygateStore/RowReading`` asks.
package struct PostgresRow: RowReading {
    /// Keeps the result alive while the row is.
    let result: PostgresResult
    let handle: OpaquePointer
    let index: Int32

    package func isNull(at column: Int32) -> Bool {
        PQgetisnull(self.handle, self.index, column) == 1
    }

    /// The column parsed as a decimal integer (0 for NULL, or for text that is not one: never written by keygate).
    package func int64(at column: Int32) -> Int64 {
        Int64(self.text(at: column)) ?? 0
    }

    package func optionalInt64(at column: Int32) -> Int64? {
        self.isNull(at: column) ? nil : self.int64(at: column)
    }

    package func text(at column: Int32) -> String {
        guard let value = PQgetvalue(self.handle, self.index, column) else { return "" }
        return String(cString: value)
    }

    package func optionalText(at column: Int32) -> String? {
        self.isNull(at: column) ? nil : self.text(at: column)
    }

    /// The column as a value to bind: NULL, an integer when `integer`, else text.
    package func value(at column: Int32, integer: Bool) -> SQLValue {
        if self.isNull(at: column) { return .null }
        return integer ? .integer(self.int64(at: column)) : .text(self.text(at: column))
    }

    /// A `bytea` column (hex text output) as bytes; empty for NULL.
    package func bytes(at column: Int32) -> [UInt8] {
        let hex = Array(self.text(at: column).utf8.dropFirst(2))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var position = 0
        while position + 1 < hex.count {
            bytes.append(Self.nibble(hex[position]) << 4 | Self.nibble(hex[position + 1]))
            position += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8 {
        byte <= 0x39 ? byte &- 0x30 : (byte | 0x20) &- 0x61 &+ 10
    }
}
