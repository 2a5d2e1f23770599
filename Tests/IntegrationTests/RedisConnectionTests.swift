import Foundation
import Glibc
import KeygateCluster
import KeygateCore
import Testing

/// A private redis-server on a loopback port in a scratch directory, stopped by pid.
final class RedisServer {
    let port: UInt16
    let scratch: Scratch
    private(set) var process: Process

    private let arguments: [String]

    /// Starts redis-server with `arguments` added to the defaults; `login` is what PING needs to get in.
    init(arguments: [String] = [], login: RedisLogin = RedisLogin()) throws {
        self.scratch = try Scratch()
        self.port = Harness.freePort()
        self.arguments = arguments
        self.process = try Self.start(port: self.port, directory: self.scratch.path, arguments: arguments)
        guard Self.answers(port: self.port, login: login) else {
            self.stop()
            throw HarnessError("redis-server did not answer PING on port \(self.port)")
        }
    }

    /// Whether the server on `port` answers PING (after logging in with `login`) within 10 s.
    static func answers(port: UInt16, login: RedisLogin = RedisLogin()) -> Bool {
        let client = RedisConnection(host: "127.0.0.1", port: port, login: login)
        return Harness.eventually { (try? client.call(["PING"], timeoutMillis: 200)) == .simple("PONG") }
    }

    static func start(port: UInt16, directory: String, arguments: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments =
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
                "--logfile", "\(directory)/redis.log",
            ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    var pid: pid_t { self.process.processIdentifier }

    /// Kills it (SIGKILL: no chance to answer anything more).
    func kill() {
        guard self.process.isRunning else { return }
        Glibc.kill(self.pid, SIGCONT)
        Glibc.kill(self.pid, SIGKILL)
        self.process.waitUntilExit()
    }

    /// Starts it again on the same port, empty.
    func restart() throws {
        self.kill()
        self.process = try Self.start(port: self.port, directory: self.scratch.path, arguments: self.arguments)
    }

    /// Stops it with SIGKILL: it keeps no data to save, and a child spawned from a test thread may inherit a signal
    /// mask that blocks SIGTERM.
    func stop() { self.kill() }

    deinit { self.stop() }
}

/// The Redis connection against a real redis-server: replies of every kind, and every fault answered within the
/// call's deadline (a stopped Redis accepts and never answers; a killed one refuses; a restarted one is reconnected).
@Suite(.serialized)
struct RedisConnectionTests {
    static func millis(_ body: () -> Void) -> Int64 {
        let start = Date()
        body()
        return Int64(Date().timeIntervalSince(start) * 1000)
    }

    @Test func repliesOfEveryKind() throws {
        let redis = try RedisServer()
        let client = RedisConnection(host: "127.0.0.1", port: redis.port)
        #expect(try client.call(["PING"], timeoutMillis: 1000) == .simple("PONG"))
        #expect(try client.call(["SET", "{kid_1}:q", "41"], timeoutMillis: 1000) == .simple("OK"))
        #expect(try client.call(["INCR", "{kid_1}:q"], timeoutMillis: 1000) == .integer(42))
        #expect(try client.call(["GET", "{kid_1}:q"], timeoutMillis: 1000).text == "42")
        #expect(try client.call(["GET", "{kid_1}:missing"], timeoutMillis: 1000) == .bulk(nil))
        // An error reply is an answer, not a broken connection: the same connection goes on.
        guard case .error(let message) = try client.call(["INCR", "{kid_1}:q", "extra"], timeoutMillis: 1000) else {
            Issue.record("no error reply")
            return
        }
        #expect(message.hasPrefix("ERR wrong number of arguments"))
        // Time from Redis, as the lease function will take it: an array of two bulk strings.
        guard case .array(let time?) = try client.call(["TIME"], timeoutMillis: 1000), time.count == 2 else {
            Issue.record("TIME is not an array of two")
            return
        }
        #expect(Int64(time[0].text ?? "") ?? 0 > 1_700_000_000)
        let script = "return {redis.call('INCRBY', KEYS[1], ARGV[1]), 'lease'}"
        #expect(
            try client.call(["EVAL", script, "1", "{kid_1}:q", "8"], timeoutMillis: 1000)
                == .array([.integer(50), .bulk(Array("lease".utf8))]))
        // A 100 KiB value comes back whole, read across several reads.
        let large = String(repeating: "k", count: 100_000)
        #expect(try client.call(["SET", "{kid_1}:large", large], timeoutMillis: 1000) == .simple("OK"))
        #expect(try client.call(["GET", "{kid_1}:large"], timeoutMillis: 1000).text == large)
    }

    @Test func aStoppedRedisCostsTheDeadlineAndNoMore() throws {
        let redis = try RedisServer()
        let client = RedisConnection(host: "127.0.0.1", port: redis.port)
        #expect(try client.call(["PING"], timeoutMillis: 1000) == .simple("PONG"))
        kill(redis.pid, SIGSTOP)
        defer { kill(redis.pid, SIGCONT) }
        // The socket stays open and silent: only the deadline ends the wait.
        var failure: RedisError?
        let waited = Self.millis {
            do { _ = try client.call(["PING"], timeoutMillis: 50) } catch let error as RedisError {
                failure = error
            } catch {}
        }
        #expect(failure == .timedOut("read", "127.0.0.1:\(redis.port)"))
        #expect(waited >= 50 && waited < 250, "waited \(waited) ms for a 50 ms deadline")
        #expect(!client.isOpen)  // a late PONG must never be read as the next command's reply
        // Again while stopped: a new connection is accepted by the kernel, and again only the deadline ends it.
        let again = Self.millis { _ = try? client.call(["PING"], timeoutMillis: 30) }
        #expect(again >= 30 && again < 230, "waited \(again) ms for a 30 ms deadline")
        kill(redis.pid, SIGCONT)
        #expect(Harness.eventually(timeout: 2) { (try? client.call(["PING"], timeoutMillis: 200)) == .simple("PONG") })
    }

    @Test func aKilledRedisFailsAtOnceAndARestartedOneIsReconnected() throws {
        let redis = try RedisServer()
        let client = RedisConnection(host: "127.0.0.1", port: redis.port)
        #expect(try client.call(["SET", "a", "1"], timeoutMillis: 1000) == .simple("OK"))
        redis.kill()
        var failure: RedisError?
        let waited = Self.millis {
            do { _ = try client.call(["GET", "a"], timeoutMillis: 1000) } catch let error as RedisError {
                failure = error
            } catch {}
        }
        #expect(failure != nil)
        #expect(waited < 500, "a closed connection took \(waited) ms to fail")
        // Nothing listening: refused, not timed out.
        guard
            case .system(let error) =
                (Result { () throws(RedisError) in try client.call(["PING"], timeoutMillis: 1000) }).failure
        else {
            Issue.record("connecting to nothing did not fail with a system error")
            return
        }
        #expect(error.call == "connect" && error.errno.rawValue == ECONNREFUSED)
        try redis.restart()
        #expect(Harness.eventually(timeout: 5) { (try? client.call(["PING"], timeoutMillis: 200)) == .simple("PONG") })
        // Restarted without its data (the case the agent must detect and reseed): the key is gone.
        #expect(try client.call(["GET", "a"], timeoutMillis: 1000) == .bulk(nil))
    }

    @Test func aServerThatIsNotRedisIsABrokenReplyAndABadAddressIsRefused() throws {
        // A listener that answers anything with text that is not RESP.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let port = Harness.freePort()
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)
        let answered = Thread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 256)
            _ = read(connection, &buffer, buffer.count)
            _ = "HTTP/1.1 400 Bad Request\r\n\r\n".withCString { write(connection, $0, strlen($0)) }
            usleep(200_000)
            close(connection)
        }
        answered.start()
        let client = RedisConnection(host: "127.0.0.1", port: port)
        #expect(throws: RedisError.protocolError("unknown reply type byte 72")) {
            try client.call(["PING"], timeoutMillis: 1000)
        }
        #expect(throws: RedisError.badAddress("redis.internal: not a numeric IPv4 address")) {
            try RedisConnection(host: "redis.internal", port: 6379).call(["PING"], timeoutMillis: 100)
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
