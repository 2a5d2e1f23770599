import Foundation
import Glibc
import KeygateCluster
import KeygateCore

/// A one-process TCP relay (Python, one select loop) from a loopback port to Redis: stopping it (SIGSTOP) cuts exactly
/// the hosts that reach Redis through it, mid-connection, as a network partition would.
final class TCPRelay {
    static let script = """
        import select, socket, sys
        listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
        server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", listen_port)); server.listen(64)
        peers = {}
        while True:
            readable, _, _ = select.select([server] + list(peers), [], [])
            for sock in readable:
                if sock is server:
                    client, _ = server.accept()
                    try:
                        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=1)
                    except OSError:
                        client.close(); continue
                    peers[client] = upstream; peers[upstream] = client
                    continue
                other = peers.get(sock)
                if other is None: continue
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if data:
                    try:
                        other.sendall(data); continue
                    except OSError:
                        pass
                for s in (sock, other):
                    peers.pop(s, None); s.close()
        """
    let port: UInt16
    private let process: Process

    init(to target: UInt16, scratch: Scratch) throws {
        let path = scratch.file("relay.py")
        try Self.script.write(toFile: path, atomically: true, encoding: .utf8)
        self.port = Harness.freePort()
        self.process = try Harness.launch(
            "/usr/bin/python3", [path, "\(self.port)", "\(target)"], log: scratch.file("relay-\(self.port).log"))
        guard Harness.eventually(timeout: 10, { (try? RawSocket(port: self.port)) != nil }) else {
            throw HarnessError("the TCP relay did not listen on \(self.port)")
        }
    }

    /// Cuts every connection through the relay (and new ones hang): the process is stopped.
    func cut() { kill(self.process.processIdentifier, SIGSTOP) }

    func heal() { kill(self.process.processIdentifier, SIGCONT) }

    deinit {
        kill(self.process.processIdentifier, SIGCONT)
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }
}

/// One keygate "host" of several on this machine: its own folder with a copy of the shared key database, its own
/// HTTP listener, and its own relay to Redis, sharing limits through `--limits-from`.
final class ClusterHost {
    let name: String
    let scratch: Scratch
    let port: UInt16
    let relay: TCPRelay
    let log: String
    private(set) var process: Process
    /// The command line and environment (`nil`: inherited) it was started with, for ``restart()``.
    private let arguments: [String]
    private let environment: [String: String]?

    /// Starts host `name` over a copy of `database` (and its WAL), reaching Redis on `redisPort` through a relay.
    /// Starts host `name` over a copy of `database` (and its WAL), or over a mirror of the PostgreSQL store at
    /// `keysFrom` (reached through a relay of its own when `relayingKeys`); leasing limits from Redis on `redisPort`
    /// (through a relay) unless it is `nil`.
    init(
        name: String, database: String? = nil, redisPort: UInt16?, keysFrom: PostgresStore? = nil,
        limitsFrom: String? = nil, workers: Int = 2, maxNodes: Int = 3, extra: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        self.name = name
        self.scratch = try Scratch()
        if let database {
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
                try FileManager.default.copyItem(
                    atPath: database + suffix, toPath: self.scratch.file("keys.db" + suffix))
            }
        }
        // One relay per host, to whichever engine it shares: Redis, else PostgreSQL.
        self.relay = try TCPRelay(to: redisPort ?? keysFrom?.port ?? 1, scratch: self.scratch)
        self.port = Harness.freePort()
        self.log = self.scratch.file("keygate.log")
        var arguments = [
            "serve", "--db", self.scratch.file("keys.db"), "--listen", "http://127.0.0.1:\(self.port)?for=envoy",
            "--workers", "\(workers)", "--cluster-node", name, "--cluster-max-nodes", "\(maxNodes)", "--log-level",
            "info",
        ]
        if let limitsFrom {
            arguments += ["--limits-from", limitsFrom]  // a Redis Cluster: the nodes' own addresses, no relay
        } else if redisPort != nil {
            arguments += ["--limits-from", "redis://127.0.0.1:\(self.relay.port)"]
        }
        if let keysFrom {
            // The password from a file, as in production: never on the command line.
            let passwordFile = self.scratch.file("pg-password")
            try keysFrom.password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let port = redisPort == nil ? self.relay.port : keysFrom.port
            arguments += [
                "--keys-from",
                "postgresql://\(keysFrom.user)@127.0.0.1:\(port)/\(keysFrom.database)?password_file=\(passwordFile)",
            ]
        }
        self.arguments = arguments + extra
        self.environment =
            environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        self.process = try Harness.launch(
            Harness.builtProduct("keygate"), self.arguments, log: self.log, environment: self.environment)
        try self.awaitStart()
    }

    /// Waits until the host listens and its agent runs (until then a host decides by the outage share).
    private func awaitStart() throws {
        guard Harness.eventually(timeout: 20, { (try? RawSocket(port: self.port)) != nil || !self.process.isRunning })
        else { throw HarnessError("host \(self.name) did not listen: \(self.logText)") }
        guard self.process.isRunning else { throw HarnessError("host \(self.name) exited: \(self.logText)") }
        // Its first heartbeat follows the line.
        guard Harness.eventually(timeout: 20, { self.logText.contains("cluster agent leasing limits") }) else {
            throw HarnessError("host \(self.name)'s cluster agent did not start: \(self.logText)")
        }
        usleep(200_000)
    }

    /// Stops the host (SIGTERM, as a deploy does) and starts it again over the same folder, name and port; the log
    /// starts empty.
    func restart() throws {
        self.stop()
        self.process = try Harness.launch(
            Harness.builtProduct("keygate"), self.arguments, log: self.log, environment: self.environment)
        try self.awaitStart()
    }

    var logText: String { (try? String(contentsOfFile: self.log, encoding: .utf8)) ?? "" }

    /// The supervisor and every process under it (workers, the agent).
    var pids: [pid_t] { [self.process.processIdentifier] + Harness.descendants(of: self.process.processIdentifier) }

    /// Kills the whole host at once (SIGKILL to the supervisor, its workers and its agent): a machine lost.
    func killAll() {
        for pid in self.pids { kill(pid, SIGKILL) }
        self.process.waitUntilExit()
    }

    func stop() { Harness.stop(self.process) }

    deinit { self.stop() }
}

/// A kept-alive forward-auth connection to one host, as nginx's auth_request over HTTP uses it.
final class ForwardAuthClient {
    private var socket: RawSocket
    let port: UInt16

    init(port: UInt16) throws {
        self.port = port
        self.socket = try RawSocket(port: port)
    }

    /// Asks whether `key` may pass; the status (0: no answer) and how long the answer took, in microseconds.
    func check(_ key: String) -> (status: Int, micros: Int64) {
        let request = "GET /_keygate HTTP/1.1\r\nHost: keygate\r\nX-Original-URI: /api/x\r\nX-Api-Key: \(key)\r\n\r\n"
        let started = monotonicNanos()
        self.socket.send(Array(request.utf8))
        let response = self.socket.receive { bytes in Self.isWhole(bytes) }
        let micros = (monotonicNanos() - started) / 1_000
        guard response.count >= 12, let status = Int(String(decoding: response[9..<12], as: UTF8.self)) else {
            // A broken connection: reconnect for the next call.
            if let fresh = try? RawSocket(port: self.port) { self.socket = fresh }
            return (0, micros)
        }
        return (status, micros)
    }

    /// Whether `bytes` hold a whole response: its head and as many body bytes as Content-Length says.
    static func isWhole(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        var length = 0
        for line in text[..<end.lowerBound].split(separator: "\r\n")
        where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length
    }
}

/// Redis as the tests see it: a plain client to read and change keys.
extension RedisServer {
    func command(_ arguments: [String]) throws -> RESPValue {
        try RedisConnection(host: "127.0.0.1", port: self.port).call(arguments, timeoutMillis: 2_000)
    }
}

/// Nanoseconds on the monotonic clock, for timing answers.
func monotonicNanos() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

/// A PostgreSQL key store the hosts mirror: who connects, to which port and database.
struct PostgresStore {
    var user: String
    var password: String
    var port: UInt16
    var database: String

    /// The URL the CLI uses (password included: tests only).
    var url: String { "postgresql://\(self.user):\(self.password)@127.0.0.1:\(self.port)/\(self.database)" }
}
