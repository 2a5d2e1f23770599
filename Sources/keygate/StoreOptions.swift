import ArgumentParser
import Glibc
import KeygateCore
import KeygatePostgres
import KeygateStore

/// `--db`, shared by every command that touches the key database; defaults from `KEYGATE_DB`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite key database (default: $KEYGATE_DB).", valueName: "path"))
    var db: String?

    func validate() throws {
        if self.db == nil && getenv("KEYGATE_DB") == nil {
            throw ValidationError("no key database: pass --db PATH or set KEYGATE_DB")
        }
    }

    var path: String {
        if let db { return db }
        return getenv("KEYGATE_DB").map { String(cString: $0) } ?? ""
    }

    /// The key store ``path`` names: a PostgreSQL server for a `postgresql://` or `postgres://` URL, else an SQLite
    /// file (with `create`, created with its missing folders). A PostgreSQL database must have keygate's schema
    /// already (`keygate init`); a URL of another scheme is refused.
    func openStore(create: Bool) throws -> any KeyStoring {
        switch DatabaseLocation(self.path) {
        case .sqlite(let path):
            return try KeyStore(path: create ? try self.creatingPath() : path, create: create)
        case .postgres(let url):
            return try PostgresKeyStore(url: url, create: false)
        case .unsupported(let scheme):
            throw CLIError(
                "--db \(scheme)://…: keygate keeps keys in an SQLite file (a path) or in PostgreSQL "
                    + "(postgresql://USER@HOST/DATABASE), not \(scheme)")
        }
    }

    /// ``path`` after creating its missing parent folders (mode 0750, owned by the caller), for commands that may
    /// create the database.
    func creatingPath() throws -> String {
        let path = self.path
        var folder = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/").dropLast() {
            folder += component
            if component != "." && component != ".." && mkdir(folder, 0o750) != 0 {
                let code = errno
                guard code == EEXIST else {
                    let cause = String(cString: strerror(code))
                    throw CLIError("cannot create the folder \(folder) for \(path): mkdir: \(cause)")
                }
            }
            folder += "/"
        }
        return path
    }

    /// Who is acting, for the audit log.
    static var actor: String {
        for name in ["SUDO_USER", "USER", "LOGNAME"] {
            if let value = getenv(name) { return String(cString: value) }
        }
        return "uid:\(getuid())"
    }
}
