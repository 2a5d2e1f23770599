import Glibc
public import KeygateCore
import KeygateSystem

extension RedisEndpoint {
    /// The password from where the URL said: the URL itself, the first line of its `password_file`, or
    /// `KEYGATE_REDIS_PASSWORD` (`nil` when unset or empty, and for no password at all).
    public func resolvedPassword() throws(ConfigurationError) -> String? {
        switch self.password {
        case .url(let password): return password
        case .environment:
            let value = getenv(Self.passwordEnvironmentName).map { String(cString: $0) }
            return value?.isEmpty == false ? value : nil
        case .file(let path): return try Self.firstLine(of: path)
        }
    }

    /// A client for this endpoint, logged in with the resolved password: a ``RedisConnection`` for `redis://`, a
    /// ``RedisClusterClient`` for `redis+cluster://`. Nothing is connected before the first call.
    public func client(limits: RESPDecoder.Limits = RESPDecoder.Limits()) throws(ConfigurationError)
        -> any RedisCalling
    {
        let login = try self.login(password: self.resolvedPassword())
        switch self.mode {
        case .single:
            return RedisConnection(host: self.nodes[0].host, port: self.nodes[0].port, login: login, limits: limits)
        case .cluster:
            return RedisClusterClient(seeds: self.nodes, login: login, limits: limits)
        }
    }

    /// The first line of the file at `path` (without its line end), at most 4 KiB read.
    private static func firstLine(of path: String) throws(ConfigurationError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = SystemCallError(call: "open", errno: .current, detail: path)
            throw ConfigurationError("redis password_file: \(error)")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var length = 0
        // Bounded: at most 4 KiB, and every pass either reads more or stops.
        while length < bytes.count {
            let read = bytes.withUnsafeMutableBytes { buffer in
                retryingInterrupts { Glibc.read(fd, buffer.baseAddress! + length, buffer.count - length) }
            }
            switch read {
            case .success(0): break
            case .success(let count):
                length += count
                continue
            case .failure(let errno):
                let error = SystemCallError(call: "read", errno: errno, detail: path)
                throw ConfigurationError("redis password_file: \(error)")
            }
            break
        }
        let line = bytes[..<length].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[0]
        let password = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        guard !password.isEmpty else {
            throw ConfigurationError("redis password_file \(path): the first line is empty")
        }
        return password
    }
}
