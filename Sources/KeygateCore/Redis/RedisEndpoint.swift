/// Where keygate's Redis is and how to log in, read from a URL: `redis://` for one server, `redis+cluster://` for a
/// Redis Cluster.
///
/// ```
/// redis://[user[:password]@]host[:port][/db][?password_file=/path]
/// redis+cluster://[user[:password]@]host:port[,host:port...][?password_file=/path]
/// ```
/// Hosts are numeric IPv4 addresses (no DNS wait in the agent); the port defaults to 6379. The cluster form names one
/// or more seed nodes, from which the slot map is read; it has only database 0. A password is taken, in order, from
/// the URL, from the file `password_file` names (one line), or from `KEYGATE_REDIS_PASSWORD`, so it never has to be
/// on a command line. `rediss://` (TLS) is refused: run stunnel or WireGuard between hosts. The description shows
/// no password.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// One server or a cluster.
    public enum Mode: Sendable, Equatable {
        case single
        case cluster
    }

    /// Where the password comes from; its description never shows the password.
    public enum PasswordSource: Sendable, Equatable, CustomStringConvertible {
        /// Written in the URL (visible to whoever reads the URL).
        case url(String)
        /// The first line of a file.
        case file(String)
        /// ``RedisEndpoint/passwordEnvironmentName`` if it is set, else no password.
        case environment

        public var description: String {
            switch self {
            case .url: "the URL"
            case .file(let path): "the file \(path)"
            case .environment: "the environment (\(RedisEndpoint.passwordEnvironmentName))"
            }
        }
    }

    /// The environment variable a password is read from when the URL gives none.
    public static let passwordEnvironmentName = "KEYGATE_REDIS_PASSWORD"

    public let mode: Mode
    /// The server, or the cluster's seed nodes.
    public let nodes: [RedisNodeAddress]
    public let user: String?
    public let password: PasswordSource
    public let database: Int

    /// Reads `text`; the error says what to fix and never repeats a password.
    public static func parse(_ text: String) throws(ConfigurationError) -> RedisEndpoint {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw ConfigurationError("redis URL: expected redis://host[:port][/db] or redis+cluster://host:port,...")
        }
        let scheme = text[..<colon].lowercased()
        // A password typed without %-escapes can end up in any part: echo parts only of a URL without one.
        let shown = { (part: Substring, limit: Int) -> String in
            text.contains("@") ? "(not shown: the URL has a user part)" : String(part.prefix(limit))
        }
        let mode: Mode
        switch scheme {
        case "redis": mode = .single
        case "redis+cluster": mode = .cluster
        case "rediss", "rediss+cluster":
            throw ConfigurationError(
                "redis URL: \(scheme):// (TLS) is not supported; use redis:// or redis+cluster:// and carry the "
                    + "traffic between hosts over stunnel or WireGuard")
        default:
            throw ConfigurationError(
                "redis URL: unknown scheme \(shown(scheme[...], 20)); supported: redis:// (one server) and "
                    + "redis+cluster:// (a Redis Cluster)")
        }
        var rest = text[text.index(colon, offsetBy: 3)...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user: String?
        var inlinePassword: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.percentDecoded(parts[0]),
                let secret = parts.count == 2 ? Self.percentDecoded(parts[1]) : ""
            else { throw ConfigurationError("redis URL: bad %-escape in the user or password") }
            user = name.isEmpty ? nil : name
            inlinePassword = parts.count == 2 && !secret.isEmpty ? secret : nil
        }
        let nodes = try Self.nodes(rest, mode: mode, shown: shown)
        var database = 0
        if !path.isEmpty {
            guard path.utf8.count <= 9, path.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(path)
            else { throw ConfigurationError("redis URL: the path /\(shown(path, 20)) is not a database number") }
            guard mode == .single || number == 0 else {
                throw ConfigurationError("redis URL: a Redis Cluster has only database 0; remove /\(number)")
            }
            database = number
        }
        var passwordFile: String?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "password_file", parts.count == 2 else {
                throw ConfigurationError(
                    "redis URL: unknown parameter \(shown(parts[0], 30)); the one supported is password_file=PATH")
            }
            guard passwordFile == nil, let path = Self.percentDecoded(parts[1]), path.hasPrefix("/") else {
                throw ConfigurationError("redis URL: password_file needs one absolute path")
            }
            passwordFile = path
        }
        let password: PasswordSource
        switch (inlinePassword, passwordFile) {
        case (let secret?, nil): password = .url(secret)
        case (nil, let path?): password = .file(path)
        case (nil, nil): password = .environment
        case (.some, .some):
            throw ConfigurationError("redis URL: a password and a password_file; give the password once")
        }
        return RedisEndpoint(mode: mode, nodes: nodes, user: user, password: password, database: database)
    }

    /// The login for `password` (resolved from ``password``): the URL's user and database.
    public func login(password: String?) throws(ConfigurationError) -> RedisLogin {
        guard self.user == nil || password != nil else {
            throw ConfigurationError(
                "redis \(self): user \(self.user ?? "") has no password (URL, password_file or "
                    + "\(Self.passwordEnvironmentName))")
        }
        return RedisLogin(user: self.user, password: password, database: self.database)
    }

    /// The URL with the password replaced by `***` (safe for logs and errors).
    public var description: String {
        var text = self.mode == .single ? "redis://" : "redis+cluster://"
        switch (self.user, self.password) {
        case (let user, .url): text += "\(user ?? ""):***@"
        case (let user?, _): text += "\(user)@"
        case (nil, _): break
        }
        text += self.nodes.map(\.description).joined(separator: ",")
        if self.database != 0 { text += "/\(self.database)" }
        if case .file(let path) = self.password { text += "?password_file=\(path)" }
        return text
    }

    private static func nodes(
        _ text: Substring, mode: Mode, shown: (Substring, Int) -> String
    ) throws(ConfigurationError) -> [RedisNodeAddress] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        guard mode == .cluster || items.count == 1 else {
            throw ConfigurationError("redis URL: several hosts need redis+cluster://host:port,host:port")
        }
        guard items.count <= 64 else { throw ConfigurationError("redis URL: more than 64 seed nodes") }
        var nodes: [RedisNodeAddress] = []
        for item in items {
            guard let node = RedisNodeAddress(parsing: item, defaultPort: 6379) else {
                throw ConfigurationError(
                    "redis URL: host \(item.isEmpty ? "(empty)" : shown(item, 60)) is not a numeric IPv4 "
                        + "address with an optional port from 1 to 65535 (keygate does not resolve names)")
            }
            nodes.append(node)
        }
        return nodes
    }

    /// `text` with `%XX` escapes decoded as UTF-8; `nil` for a broken escape or bytes that are not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        PercentEscapes.decoded(text).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
