/// Reads the columns of one result row by position (from 0): an SQLite ``Statement`` on a row, or another
/// database's result, so that ``KeyRow`` maps rows of either to the same records.
package protocol RowReading: ~Copyable {
    /// True if column `index` is NULL.
    func isNull(at index: Int32) -> Bool
    /// Column `index` as an integer (0 for NULL).
    func int64(at index: Int32) -> Int64
    /// Column `index` as an integer, or `nil` for NULL.
    func optionalInt64(at index: Int32) -> Int64?
    /// Column `index` as text ("" for NULL).
    func text(at index: Int32) -> String
    /// Column `index` as text, or `nil` for NULL.
    func optionalText(at index: Int32) -> String?
}

extension Statement: RowReading {}
