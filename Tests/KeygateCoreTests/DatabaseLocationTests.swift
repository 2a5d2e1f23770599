import KeygateCore
import Testing

/// What `--db` names (SQLite path, PostgreSQL URL, unknown scheme) and how a PostgreSQL URL is shown and split.
struct DatabaseLocationTests {
    @Test(arguments: [
        ("/var/lib/keygate/keys.db", DatabaseLocation.sqlite(path: "/var/lib/keygate/keys.db")),
        ("keys.db", .sqlite(path: "keys.db")),
        ("./odd://name.db", .sqlite(path: "./odd://name.db")),
        ("postgresql://kg@db/keys", .postgres(PostgresURL("postgresql://kg@db/keys"))),
        ("postgres://kg@db/keys", .postgres(PostgresURL("postgres://kg@db/keys"))),
        ("mysql://kg@db/keys", .unsupported(scheme: "mysql")),
        ("redis+tls://h", .unsupported(scheme: "redis+tls")),
    ])
    func locations(text: String, expected: DatabaseLocation) {
        #expect(DatabaseLocation(text) == expected)
    }

    @Test(arguments: [
        ("postgresql://keygate:s3cret@db.internal/keygate", "postgresql://keygate:***@db.internal/keygate"),
        ("postgresql://keygate:p@ss@db:5433/k?sslmode=require", "postgresql://keygate:***@db:5433/k?sslmode=require"),
        ("postgresql://keygate@db/k?password=s3cret&sslmode=off", "postgresql://keygate@db/k?password=***&sslmode=off"),
        ("postgresql://db/k", "postgresql://db/k"),
        ("postgresql://keygate:s3cret@/k?host=/run/postgresql", "postgresql://keygate:***@/k?host=/run/postgresql"),
    ])
    func redaction(url: String, expected: String) {
        #expect(PostgresURL.redacting(url) == expected)
        #expect(!PostgresURL(url).redacted.contains("s3cret"))
    }

    @Test func passwordFileIsKeygatesNotLibpqs() {
        let url = PostgresURL("postgresql://kg@db/k?sslmode=require&password_file=%2Fetc%2Fkeygate%2Fpg%20pw&x=1")
        #expect(url.passwordFile == "/etc/keygate/pg pw")
        #expect(url.connectionURL == "postgresql://kg@db/k?sslmode=require&x=1")
        let only = PostgresURL("postgresql://kg@db/k?password_file=/run/secrets/pg")
        #expect(only.passwordFile == "/run/secrets/pg")
        #expect(only.connectionURL == "postgresql://kg@db/k")
        #expect(PostgresURL("postgresql://kg@db/k").passwordFile == nil)
    }
}
