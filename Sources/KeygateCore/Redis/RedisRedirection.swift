/// A Redis Cluster error reply that sends a command elsewhere: `-MOVED slot host:port` or `-ASK slot host:port`.
public enum RedisRedirection: Sendable, Equatable {
    /// The slot now lives on `node` for good: update the slot map.
    case moved(slot: Int, node: RedisNodeAddress)
    /// The slot is being migrated to `node` and this key is already there: send `ASKING`, then the command, once.
    case ask(slot: Int, node: RedisNodeAddress)

    /// Reads an error reply's message; `nil` for any other error.
    public init?(errorMessage message: String) {
        let words = message.split(separator: " ")
        guard words.count == 3, let slot = Int(words[1]), (0..<RedisKeySlot.count).contains(slot),
            let node = RedisNodeAddress(parsing: words[2])
        else { return nil }
        switch words[0] {
        case "MOVED": self = .moved(slot: slot, node: node)
        case "ASK": self = .ask(slot: slot, node: node)
        default: return nil
        }
    }
}
