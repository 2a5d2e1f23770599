import KeygateCore

/// Where `--limits-from` says Redis is: `redis://HOST:PORT` with a numeric IPv4 host (the agent connects without
/// name resolution, so that no lease ever waits on DNS).
struct RedisAddress: Equatable {
    var host: String
    var port: UInt16

    init(parsing url: String) throws(ConfigurationError) {
        guard url.hasPrefix("redis://") else {
            let scheme = url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? url
            throw ConfigurationError(
                "--limits-from \(scheme)://…: unsupported; give redis://HOST:PORT (Redis 7 or later; for TLS, "
                    + "tunnel through stunnel or WireGuard)")
        }
        var rest = url.dropFirst("redis://".count)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.contains("@") else {
            throw ConfigurationError("--limits-from: passwords are not supported yet; give redis://HOST:PORT")
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        let host = String(parts.first ?? "")
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else {
            throw ConfigurationError(
                "--limits-from \(url): give the host as a numeric IPv4 address, e.g. redis://10.0.0.9:6379")
        }
        var port: UInt16 = 6379
        if parts.count == 2 {
            guard let given = UInt16(parts[1]), given > 0 else {
                throw ConfigurationError("--limits-from \(url): the port must be 1-65535")
            }
            port = given
        } else if parts.count > 2 {
            throw ConfigurationError("--limits-from \(url): give redis://HOST:PORT")
        }
        self.host = host
        self.port = port
    }
}
