public import KeygateCore
import KeygateSystem

/// A Redis Cluster client: one ``RedisConnection`` per master, each command sent to the master serving its key's
/// slot, following `-MOVED` and `-ASK`, every call bounded by its deadline.
///
/// The slot map comes from `CLUSTER SLOTS`, asked of the masters known so far and then of the seeds, each given a
/// share of the time left so that one stalled node cannot use all of it. A `-MOVED` reply patches the map at once,
/// and the whole map is read again before a later call, as after a node that closed or refused the connection (a
/// failover or a resharding may be under way), at most once a second (a master that is down does not double every
/// call with a map request). A node that does not answer in time is only that call's failure:
/// keys on other masters are served as before. An `-ASK` reply sends `ASKING` and the command to the node named,
/// once, without touching the map. Not thread-safe: one client per thread.
public final class RedisClusterClient: RedisCalling {
    /// The most redirections one call follows before giving up (a cluster still resharding around it).
    static let maxRedirections = 5
    /// The least time between two reads of a stale slot map.
    static let refreshIntervalMillis: Int64 = 1_000

    /// Where the first slot map is read from.
    public let seeds: [RedisNodeAddress]
    private let login: RedisLogin
    private let limits: RESPDecoder.Limits
    private var connections: [RedisNodeAddress: RedisConnection] = [:]
    private var map: RedisSlotMap?
    private var isStale = true
    private var lastRefreshMillis: Int64 = .min / 2

    /// A client of the cluster that `seeds` belong to, logging in to every node with `login` (database 0); nothing is
    /// connected before the first call.
    public init(
        seeds: [RedisNodeAddress], login: RedisLogin = RedisLogin(), limits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        precondition(!seeds.isEmpty, "a cluster client needs a seed node")
        precondition(login.database == 0, "a Redis Cluster has only database 0")
        self.seeds = seeds
        self.login = login
        self.limits = limits
    }

    /// The masters of the last slot map read (none before the first call).
    public var masters: [RedisNodeAddress] { self.map?.masters ?? [] }

    /// The master serving `key` in the last slot map read.
    public func master(for key: String) -> RedisNodeAddress? {
        self.map?.master(forSlot: RedisKeySlot.of(key))
    }

    public func call(_ arguments: [String], key: String?, timeoutMillis: Int) throws(RedisError) -> RESPValue {
        let deadline = Clock.monotonicMillis() + Int64(timeoutMillis)
        let map = try self.currentMap(deadline: deadline)
        // A slot no master serves goes to any master, which answers -CLUSTERDOWN: an answer, not a failure.
        var node = key.flatMap { map.master(forSlot: RedisKeySlot.of($0)) } ?? map.masters[0]
        var asking = false
        for _ in 0...Self.maxRedirections {
            let reply = try self.send(arguments, to: node, asking: asking, deadline: deadline)
            guard case .error(let message) = reply, let redirection = RedisRedirection(errorMessage: message) else {
                return reply
            }
            switch redirection {
            case .moved(let slot, let target):
                self.map?.assign(slot: slot, to: target)
                self.isStale = true
                (node, asking) = (target, false)
            case .ask(_, let target):
                (node, asking) = (target, true)
            }
        }
        throw RedisError.protocolError("more than \(Self.maxRedirections) redirections for one command")
    }

    public func callEveryMaster(_ arguments: [String], timeoutMillis: Int) throws(RedisError) -> [RESPValue] {
        let deadline = Clock.monotonicMillis() + Int64(timeoutMillis)
        var replies: [RESPValue] = []
        for node in try self.currentMap(deadline: deadline).masters {
            replies.append(try self.send(arguments, to: node, asking: false, deadline: deadline))
        }
        return replies
    }

    /// Closes every connection; the next call reconnects and reads the slot map again.
    public func close() {
        for connection in self.connections.values { connection.close() }
        self.connections = [:]
        self.map = nil
    }

    /// The slot map, read again first when it is stale and was not read in the last second: a failed refresh keeps
    /// the old map (its nodes may still answer), and only a client without any map fails.
    private func currentMap(deadline: Int64) throws(RedisError) -> RedisSlotMap {
        let now = Clock.monotonicMillis()
        if self.map == nil || (self.isStale && now - self.lastRefreshMillis >= Self.refreshIntervalMillis) {
            self.lastRefreshMillis = now
            do {
                try self.refresh(deadline: deadline)
            } catch {
                guard self.map != nil else { throw error }
            }
        }
        guard let map = self.map else { preconditionFailure("a refresh that did not throw left no slot map") }
        return map
    }

    private func refresh(deadline: Int64) throws(RedisError) {
        var candidates: [RedisNodeAddress] = []
        for node in self.masters + self.seeds where !candidates.contains(node) { candidates.append(node) }
        var failure = RedisError.timedOut("CLUSTER SLOTS", candidates.map(\.description).joined(separator: ","))
        for (index, node) in candidates.enumerated() {
            let left = deadline - Clock.monotonicMillis()
            guard left > 0 else { break }
            // Share what is left among the nodes not yet asked, so that one stalled node cannot use all of it.
            let share = max(1, left / Int64(candidates.count - index))
            let reply: RESPValue
            do {
                reply = try self.connection(to: node).call(["CLUSTER", "SLOTS"], timeoutMillis: Int(share))
            } catch {
                failure = error
                continue
            }
            guard let map = RedisSlotMap(clusterSlots: reply, asked: node), !map.masters.isEmpty else {
                let message = if case .error(let text) = reply { text } else { "no slots in \(reply)" }
                failure = .refused("CLUSTER SLOTS", node.description, message)
                continue
            }
            self.map = map
            self.isStale = false
            for (address, connection) in self.connections where !map.masters.contains(address) {
                connection.close()
                self.connections[address] = nil
            }
            return
        }
        throw failure
    }

    private func send(
        _ arguments: [String], to node: RedisNodeAddress, asking: Bool, deadline: Int64
    ) throws(RedisError) -> RESPValue {
        let connection = self.connection(to: node)
        do throws(RedisError) {
            if asking {
                let left = deadline - Clock.monotonicMillis()
                guard left > 0 else { throw RedisError.timedOut("ASKING", node.description) }
                let reply = try connection.call(["ASKING"], timeoutMillis: Int(left))
                guard reply == .simple("OK") else { return reply }
            }
            let left = deadline - Clock.monotonicMillis()
            guard left > 0 else { throw RedisError.timedOut("send", node.description) }
            return try connection.call(arguments, timeoutMillis: Int(left))
        } catch {
            // A closed or refused connection may be a failover or a node gone: read the map again. A node that is
            // only slow keeps its slots.
            if case .timedOut = error {} else { self.isStale = true }
            throw error
        }
    }

    private func connection(to node: RedisNodeAddress) -> RedisConnection {
        if let connection = self.connections[node] { return connection }
        let connection = RedisConnection(host: node.host, port: node.port, login: self.login, limits: self.limits)
        self.connections[node] = connection
        return connection
    }
}
