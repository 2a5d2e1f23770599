/// What a Redis connection sends before its first command: `AUTH` (with a user for an ACL user) and `SELECT`.
///
/// Holds the password in memory; its description never shows it.
public struct RedisLogin: Sendable, Equatable, CustomStringConvertible {
    /// The ACL user; `nil` for the default user (`requirepass`).
    public let user: String?
    public let password: String?
    /// The logical database (`SELECT`); always 0 on a Redis Cluster.
    public let database: Int

    public init(user: String? = nil, password: String? = nil, database: Int = 0) {
        precondition(user == nil || password != nil, "a Redis user logs in with a password")
        precondition(database >= 0, "Redis databases are numbered from 0")
        self.user = user
        self.password = password
        self.database = database
    }

    /// The commands to send on every new connection, in order (none for the default user on database 0).
    public var handshake: [[String]] {
        var commands: [[String]] = []
        if let password = self.password {
            commands.append(["AUTH"] + (self.user.map { [$0] } ?? []) + [password])
        }
        if self.database != 0 { commands.append(["SELECT", "\(self.database)"]) }
        return commands
    }

    public var description: String {
        let who = self.password == nil ? "no password" : "\(self.user ?? "default") with a password"
        return "\(who), database \(self.database)"
    }
}
