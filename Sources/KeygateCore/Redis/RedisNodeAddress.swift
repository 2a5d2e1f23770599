/// Where one Redis server listens: a numeric IPv4 address and a TCP port.
///
/// keygate never resolves names for Redis: the agent must not wait on DNS, and Redis Cluster itself answers with
/// addresses.
public struct RedisNodeAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads `host:port` (as in a `-MOVED` reply or a URL), `host` alone taking `defaultPort`; `nil` unless the host
    /// is a numeric IPv4 address and the port a number from 1 to 65535.
    public init?(parsing text: some StringProtocol, defaultPort: UInt16? = nil) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard IPAddress.parseIPv4(Array(parts[0].utf8)[...]) != nil else { return nil }
        let port: UInt16
        if parts.count == 2 {
            guard parts[1].utf8.count <= 5, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = UInt16(parts[1]), value > 0
            else { return nil }
            port = value
        } else {
            guard let defaultPort else { return nil }
            port = defaultPort
        }
        self.init(host: String(parts[0]), port: port)
    }

    public var description: String { "\(self.host):\(self.port)" }
}
