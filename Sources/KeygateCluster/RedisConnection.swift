import Glibc
public import KeygateCore
import KeygateSystem

/// One TCP connection to Redis where every operation has a deadline: a Redis that accepts and never answers (stopped
/// with SIGSTOP, swapping, behind a dead link) costs at most the deadline, never a parked process.
///
/// Blocking calls, for the per-host agent (never a worker): each call writes a command and waits, with `poll`, for
/// the whole reply until the deadline. After a timeout or any broken reply the connection is closed (a late reply
/// would be read as the answer to the next command) and the next call reconnects. Every new connection first sends
/// the login's `AUTH` and `SELECT`, inside the same deadline. Not thread-safe.
public final class RedisConnection {
    public let host: String
    public let port: UInt16
    private var fd: CInt = -1
    private let login: RedisLogin
    private let limits: RESPDecoder.Limits

    /// A connection to `host` (a numeric IPv4 address) and `port`, opened by the first call, logging in with `login`.
    public init(
        host: String, port: UInt16, login: RedisLogin = RedisLogin(), limits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        self.host = host
        self.port = port
        self.login = login
        self.limits = limits
    }

    deinit { self.close() }

    /// Whether a socket is open (it may still turn out dead on the next call).
    public var isOpen: Bool { self.fd >= 0 }

    /// Sends `arguments` as one command and returns the reply; an error reply is a value (`.error`), not a throw.
    ///
    /// `timeoutMillis` bounds the whole call: connecting (when not connected), writing and reading the reply.
    public func call(_ arguments: [String], timeoutMillis: Int) throws(RedisError) -> RESPValue {
        let deadline = Clock.monotonicMillis() + Int64(timeoutMillis)
        do {
            if self.fd < 0 {
                try self.connect(deadline: deadline)
                try self.logIn(deadline: deadline)
            }
            try self.write(RESPEncoder.command(arguments), deadline: deadline)
            return try self.readReply(deadline: deadline)
        } catch {
            self.close()
            throw error
        }
    }

    /// Closes the socket; the next call reconnects.
    public func close() {
        if self.fd >= 0 { Glibc.close(self.fd) }
        self.fd = -1
    }

    private func connect(deadline: Int64) throws(RedisError) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = self.port.bigEndian
        guard inet_pton(AF_INET, self.host, &address.sin_addr) == 1 else {
            throw RedisError.badAddress("\(self.host): not a numeric IPv4 address")
        }
        let fd = socket(
            AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RedisError.system(SystemCallError(call: "socket", errno: .current)) }
        self.fd = fd
        var one: CInt = 1
        _ = setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 { return }
        let errno = Errno.current
        guard errno.rawValue == EINPROGRESS || errno.rawValue == EINTR else {
            throw RedisError.system(SystemCallError(call: "connect", errno: errno, detail: self.endpoint))
        }
        try self.wait(for: Int16(POLLOUT), deadline: deadline, doing: "connect")
        var failure: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
        guard failure == 0 else {
            throw RedisError.system(SystemCallError(call: "connect", errno: Errno(failure), detail: self.endpoint))
        }
    }

    /// Sends the login's commands; a refusal (a wrong password, a database that does not exist) is thrown with Redis's
    /// message, which never contains the password.
    private func logIn(deadline: Int64) throws(RedisError) {
        for command in self.login.handshake {
            try self.write(RESPEncoder.command(command), deadline: deadline)
            let reply = try self.readReply(deadline: deadline)
            guard reply == .simple("OK") else {
                let message = if case .error(let text) = reply { text } else { "unexpected reply \(reply)" }
                throw RedisError.refused(command[0], self.endpoint, message)
            }
        }
    }

    private func write(_ bytes: [UInt8], deadline: Int64) throws(RedisError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes {
                NonblockingIO.send(self.fd, UnsafeRawBufferPointer(rebasing: $0[sent...]))
            }
            switch result {
            case .processed(let count): sent += count
            case .wouldBlock: try self.wait(for: Int16(POLLOUT), deadline: deadline, doing: "send")
            case .failed(let errno):
                throw RedisError.system(SystemCallError(call: "send", errno: errno, detail: self.endpoint))
            }
        }
    }

    private func readReply(deadline: Int64) throws(RedisError) -> RESPValue {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let result = chunk.withUnsafeMutableBytes { NonblockingIO.read(self.fd, into: $0) }
            switch result {
            case .processed(0):
                throw RedisError.closed(self.endpoint)
            case .processed(let count):
                received += chunk[..<count]
                switch RESPDecoder.decode(received, limits: self.limits) {
                case .reply(let value, let consumed):
                    // Nothing else was asked: anything after the reply is a broken server.
                    guard consumed == received.count else { throw RedisError.protocolError("bytes after the reply") }
                    return value
                case .incomplete: continue
                case .invalid(let reason): throw RedisError.protocolError(reason)
                }
            case .wouldBlock:
                try self.wait(for: Int16(POLLIN), deadline: deadline, doing: "read")
            case .failed(let errno):
                throw RedisError.system(SystemCallError(call: "read", errno: errno, detail: self.endpoint))
            }
        }
    }

    /// Waits until the socket is ready for `events` or the deadline passes.
    private func wait(for events: Int16, deadline: Int64, doing operation: String) throws(RedisError) {
        while true {
            let left = deadline - Clock.monotonicMillis()
            guard left > 0 else { throw RedisError.timedOut(operation, self.endpoint) }
            var descriptor = pollfd(fd: self.fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, CInt(min(left, Int64(CInt.max))))
            if ready > 0 { return }
            if ready < 0 {
                let errno = Errno.current
                guard errno.rawValue == EINTR else {
                    throw RedisError.system(SystemCallError(call: "poll", errno: errno, detail: self.endpoint))
                }
            }
        }
    }

    private var endpoint: String { "\(self.host):\(self.port)" }
}

/// Why a Redis call failed: the connection is closed and the caller decides (retry, open the breaker, deny).
public enum RedisError: Error, Equatable, CustomStringConvertible {
    /// No whole reply before the deadline: Redis is stalled or unreachable.
    case timedOut(String, String)
    /// Redis closed the connection.
    case closed(String)
    /// The reply is not RESP2 (or beyond the decoder's limits).
    case protocolError(String)
    case badAddress(String)
    case system(SystemCallError)
    /// Redis refused the login command (`AUTH`, `SELECT`) on `endpoint` with `message`.
    case refused(String, String, String)

    public var description: String {
        switch self {
        case .timedOut(let operation, let endpoint): "redis \(endpoint): no answer to \(operation) before the deadline"
        case .closed(let endpoint): "redis \(endpoint): connection closed by the server"
        case .protocolError(let reason): "redis: broken reply: \(reason)"
        case .badAddress(let reason): "redis address \(reason)"
        case .system(let error): "redis: \(error)"
        case .refused("AUTH", let endpoint, let message):
            "redis \(endpoint): AUTH refused (\(message)); check the user and password (in the URL, its password_file "
                + "or \(RedisEndpoint.passwordEnvironmentName))"
        case .refused(let command, let endpoint, let message): "redis \(endpoint): \(command) refused (\(message))"
        }
    }

    public static func == (left: RedisError, right: RedisError) -> Bool { left.description == right.description }
}
