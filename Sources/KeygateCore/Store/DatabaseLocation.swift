/// Where a `--db` value points: an SQLite file, a PostgreSQL server, or a URL whose scheme keygate does not know.
///
/// `postgresql://` and `postgres://` (libpq's two spellings) are PostgreSQL; any other `scheme://` is refused
/// rather than taken for a file name; everything else is an SQLite path.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresURL)
    case unsupported(scheme: String)

    public init(_ text: String) {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            self = .postgres(PostgresURL(text))
            return
        }
        if let separator = text.firstRange(of: "://") {
            let scheme = text[..<separator.lowerBound]
            let isScheme =
                !scheme.isEmpty
                && scheme.utf8.allSatisfy { byte in
                    (0x61...0x7A).contains(byte | 0x20) || (0x30...0x39).contains(byte) || byte == 0x2B
                        || byte == 0x2D || byte == 0x2E
                }
            if isScheme {
                self = .unsupported(scheme: String(scheme))
                return
            }
        }
        self = .sqlite(path: text)
    }
}
