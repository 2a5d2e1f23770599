public import KeygateCore

/// Something that sends Redis commands with a deadline: one ``RedisConnection``, or a ``RedisClusterClient`` that
/// routes each command to the master serving its key.
///
/// Error replies are values (`.error`); thrown errors are failures to get an answer, after which the caller decides
/// (retry, open the breaker, deny). Neither kind is thread-safe: one per thread.
public protocol RedisCalling: AnyObject {
    /// Sends `arguments` as one command to the node serving `key` (any node when `nil`) and returns the reply, all
    /// within `timeoutMillis`.
    func call(_ arguments: [String], key: String?, timeoutMillis: Int) throws(RedisError) -> RESPValue

    /// Sends `arguments` to every master (for what each node keeps for itself, like a function library) and returns
    /// their replies, all within `timeoutMillis`; the first node that gives no answer ends the call.
    func callEveryMaster(_ arguments: [String], timeoutMillis: Int) throws(RedisError) -> [RESPValue]
}

extension RedisConnection: RedisCalling {
    /// ``call(_:timeoutMillis:)``: one server serves every key.
    public func call(_ arguments: [String], key: String?, timeoutMillis: Int) throws(RedisError) -> RESPValue {
        try self.call(arguments, timeoutMillis: timeoutMillis)
    }

    /// ``call(_:timeoutMillis:)``: one server is every master.
    public func callEveryMaster(_ arguments: [String], timeoutMillis: Int) throws(RedisError) -> [RESPValue] {
        [try self.call(arguments, timeoutMillis: timeoutMillis)]
    }
}
