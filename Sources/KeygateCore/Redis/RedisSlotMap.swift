/// Which master of a Redis Cluster serves each of the 16384 hash slots, read from a `CLUSTER SLOTS` reply.
public struct RedisSlotMap: Sendable, Equatable {
    /// Every master that serves at least one slot, in the order the reply named them.
    public private(set) var masters: [RedisNodeAddress]
    /// Per slot, an index into `masters`, or -1 for a slot no master serves.
    private var owners: [Int16]

    /// The map in `reply` (`CLUSTER SLOTS`: per range its first and last slot, then the master's address, then its
    /// replicas); `asked` stands in for a master that does not know its own address (an empty host). `nil` when the
    /// reply has another shape.
    public init?(clusterSlots reply: RESPValue, asked: RedisNodeAddress) {
        guard case .array(let ranges?) = reply else { return nil }
        self.masters = []
        self.owners = [Int16](repeating: -1, count: RedisKeySlot.count)
        for range in ranges {
            guard case .array(let fields?) = range, fields.count >= 3, let first = fields[0].integer,
                let last = fields[1].integer, 0 <= first, first <= last, last < RedisKeySlot.count,
                case .array(let node?) = fields[2], node.count >= 2, let host = node[0].text,
                let port = node[1].integer,
                let port = UInt16(exactly: port)
            else { return nil }
            let master: RedisNodeAddress
            if host.isEmpty {
                master = RedisNodeAddress(host: asked.host, port: port)
            } else {
                guard let parsed = RedisNodeAddress(parsing: host, defaultPort: port) else { return nil }
                master = parsed
            }
            let index = self.index(of: master)
            for slot in Int(first)...Int(last) { self.owners[slot] = index }
        }
    }

    /// The master serving `slot`, `nil` when none does (the cluster is incomplete).
    public func master(forSlot slot: Int) -> RedisNodeAddress? {
        let index = self.owners[slot]
        return index < 0 ? nil : self.masters[Int(index)]
    }

    /// Whether every slot has a master.
    public var coversEverySlot: Bool { !self.owners.contains(-1) }

    /// Records that `slot` moved to `node` (a `-MOVED` reply), until the next full map.
    public mutating func assign(slot: Int, to node: RedisNodeAddress) {
        self.owners[slot] = self.index(of: node)
    }

    private mutating func index(of node: RedisNodeAddress) -> Int16 {
        if let found = self.masters.firstIndex(of: node) { return Int16(found) }
        self.masters.append(node)
        return Int16(self.masters.count - 1)
    }
}
