import CKeygateLinux
import Glibc
import KeygateCore
import KeygateZone
import Logging

/// One single-threaded worker process: an epoll loop over the shared listening sockets and its own connections.
///
/// Many connections are served at once, so an idle kept-alive or stalled peer never delays anyone else. Every bound
/// (connections, params, output, time) ends only the offending connection, with a log line; the worker lives on.
public final class Worker {
    private let configuration: WorkerConfiguration
    private let listeners: [ListeningSocket]
    private let gate: Gate
    private let logger: Logger
    private let epoll: CInt
    private let signalFD: CInt
    /// Connections by descriptor (descriptors are small integers, so an array is the cheapest map).
    private var connections: [Connection?] = []
    private var openConnections = 0
    /// Connections accepted over the worker's life (logged at exit: shows whether front ends reuse connections).
    private var acceptedConnections = 0
    private var acceptingPaused = false
    private var draining = false
    private var drainDeadlineMillis: Int64 = 0
    private var readBuffer: UnsafeMutableRawBufferPointer
    private var lastSweepMillis: Int64 = 0
    /// Without a supervisor (mod_fcgid, `--workers 0`) the worker rolls usage up itself, under the shared lock.
    private let rollup: UsageRollup?
    private var lastRollupMillis: Int64 = 0
    /// Per listener: does it accept TCP connections (which need a lingering close)?
    private let listenerIsTCP: [Bool]
    /// How long a lingering close waits for the peer's EOF.
    static let lingerMillis: Int64 = 2_000
    /// Idle connections closed at the connection cap since the last log line about them, and when that line was.
    private var idleClosedUnlogged = 0
    private var idleClosedLogMillis: Int64?
    /// The log line about idle connections closed at the cap is written at most this often.
    static let idleClosedLogIntervalMillis: Int64 = 10_000

    /// epoll `data` tags below this are listener indices; the signalfd has its own tag; connections use their fd + base.
    private static let signalTag: UInt64 = 1 << 32
    private static let connectionBase: UInt64 = 1 << 33
    /// Output a peer may leave unread before keygate gives up on it.
    static let maxPendingOutputBytes = 1 << 20

    final class Connection {
        let fd: CInt
        var session: Session
        var output: [UInt8] = []
        var outputSent = 0
        var lastActivityMillis: Int64
        var watchingWritable = false
        /// False until the first byte arrives: a silent new connection is awaiting its request, not idle.
        var receivedAny = false
        /// When the first byte of the request in progress arrived; nil between requests. Trickled bytes never move it.
        var requestStartMillis: Int64?
        /// TCP peers get a lingering close: closing with their unread input would send a reset that can destroy the
        /// answer still in flight. (A unix socket keeps queued data readable for the peer, so it closes at once.)
        let lingersOnClose: Bool
        /// Answer sent and write side shut down: input is read and discarded until EOF or a short deadline.
        var lingering = false

        init(fd: CInt, session: Session, now: Int64, lingersOnClose: Bool) {
            self.fd = fd
            self.session = session
            self.lastActivityMillis = now
            self.lingersOnClose = lingersOnClose
        }

        var hasPendingOutput: Bool { self.outputSent < self.output.count }

        /// True for a kept-alive connection between requests: nothing in progress, nothing to send, not closing.
        var isIdle: Bool {
            self.receivedAny && !self.lingering && !self.hasPendingOutput && !self.session.isMidRequest
                && !self.session.wantsClose
        }
    }

    public init(
        configuration: WorkerConfiguration, listeners: [ListeningSocket], logger: Logger, rollsUpUsage: Bool = false
    ) throws {
        self.configuration = configuration
        self.listeners = listeners
        self.logger = logger
        self.listenerIsTCP = listeners.map { Self.isTCP($0.fd) }
        let lastUsed = Self.optionalLastUsed(configuration, logger: logger)
        let (counters, countersUnavailable) = Self.openCounters(configuration, logger: logger)
        self.rollup = rollsUpUsage
            ? UsageRollup(databasePath: configuration.databasePath, counters: counters, logger: logger, lastUsed: lastUsed)
            : nil
        self.gate = try Gate(
            databasePath: configuration.databasePath, policy: configuration.policy, lastUsed: lastUsed,
            counters: counters,
            ipTable: try configuration.ipTablePath.map { try IPTable(path: $0, capacity: configuration.ipTableCapacity) },
            countersUnavailable: countersUnavailable, logger: logger)
        self.epoll = try syscall("epoll_create1") { epoll_create1(CInt(EPOLL_CLOEXEC)) }
        // Termination arrives as data on a descriptor, handled between requests, never inside one.
        var mask = sigset_t()
        let signals: [CInt] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
        signals.withUnsafeBufferPointer { CKeygateLinux_sigset(&mask, $0.baseAddress, CInt($0.count)) }
        _ = CKeygateLinux_block_signals(&mask, nil)
        signal(SIGPIPE, SIG_IGN)
        self.signalFD = try syscall("signalfd") { signalfd(-1, &mask, CInt(SFD_NONBLOCK) | CInt(SFD_CLOEXEC)) }
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        try self.watch(self.signalFD, events: EPOLLIN.rawValue, tag: Self.signalTag)
        for index in self.listeners.indices { try self.watchListener(index) }
    }

    deinit {
        self.readBuffer.deallocate()
    }

    /// The counters file the supervisor checked, opened only if it is still that file (a worker never creates or
    /// rebuilds it); otherwise no table and why, so that keys with limits fail closed.
    static func openCounters(
        _ configuration: WorkerConfiguration, logger: Logger
    ) -> (table: CounterTable?, unavailable: String?) {
        guard let path = configuration.countersPath else { return (nil, nil) }
        let opening: Mapping.Opening = configuration.countersFileID.map { .existing(fileID: $0) } ?? .openOrCreate
        do {
            return (try CounterTable(path: path, capacity: configuration.countersCapacity, opening: opening), nil)
        } catch {
            logger.critical(
                "counters file unavailable: keys with limits get 503 limits_unavailable until keygate is restarted",
                metadata: ["error": "\(error)"])
            return (nil, "\(error)")
        }
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests and returns.
    public func run(readyFD: CInt? = nil) throws {
        if let readyFD {
            // Tell the supervisor this worker accepts connections (it then drains the previous generation).
            var byte: UInt8 = 0x52
            _ = write(readyFD, &byte, 1)
            Glibc.close(readyFD)
        }
        self.logger.info(
            "worker ready",
            metadata: ["listen": "\(self.listeners.map { $0.workerToken }.joined(separator: ","))"])
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        while true {
            let timeout: CInt = self.draining ? 50 : 1000
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(self.epoll, $0.baseAddress, CInt($0.count), timeout) }
            if count < 0 {
                let code = currentErrno()
                if code == EINTR { continue }
                throw SystemCallError(call: "epoll_wait", errno: code)
            }
            let now = Clock.monotonicMillis()
            for index in 0..<Int(count) {
                let event = events[index]
                let tag = event.data.u64
                if tag == Self.signalTag {
                    self.handleSignals(now: now)
                } else if tag < Self.signalTag {
                    self.acceptConnections(listener: Int(tag), now: now)
                } else {
                    self.handle(fd: CInt(tag - Self.connectionBase), events: event.events, now: now)
                }
            }
            if let rollup = self.rollup, now - self.lastRollupMillis >= 10_000 || (self.draining && self.openConnections == 0) {
                self.lastRollupMillis = now
                rollup.run(nowSeconds: Clock.nowSeconds())
            }
            if now - self.lastSweepMillis >= (self.draining ? 50 : 1000) {
                self.sweep(now: now)
                self.lastSweepMillis = now
            }
            if self.draining {
                if self.openConnections == 0 { break }
                if now >= self.drainDeadlineMillis {
                    self.logger.warning(
                        "drain timeout: closing connections still in flight", metadata: ["count": "\(self.openConnections)"])
                    break
                }
            }
        }
        self.logger.info(
            "worker stopped",
            metadata: ["decisions": "\(self.gate.statistics.decisions)", "connections": "\(self.acceptedConnections)"])
    }

    // MARK: - Events

    private func handleSignals(now: Int64) {
        var info = signalfd_siginfo()
        while read(self.signalFD, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            switch CInt(info.ssi_signo) {
            case SIGTERM, SIGINT:
                self.beginDrain(now: now)
            default:
                break  // SIGHUP/SIGUSR1: configuration reloads are the supervisor's job; keys reload by themselves
            }
        }
    }

    private func beginDrain(now: Int64) {
        guard !self.draining else { return }
        // Take what is already queued on the shared socket before letting go of it, so nothing queued is dropped.
        for index in self.listeners.indices { self.acceptConnections(listener: index, now: now, ignoringLimit: true) }
        self.draining = true
        self.drainDeadlineMillis = now + self.configuration.drainTimeoutMillis
        for index in self.listeners.indices where !self.acceptingPaused {
            epoll_ctl(self.epoll, EPOLL_CTL_DEL, self.listeners[index].fd, nil)
        }
        self.acceptingPaused = true
        self.logger.info("draining", metadata: ["in_flight": "\(self.openConnections)"])
    }

    private func acceptConnections(listener index: Int, now: Int64, ignoringLimit: Bool = false) {
        let listenFD = self.listeners[index].fd
        // The listener woke this worker, so a connection is waiting (unless another worker took it first).
        var woken = true
        while true {
            if !ignoringLimit && self.openConnections >= self.configuration.maxConnections {
                // At the cap, idle kept-alive connections make room for a waiting one, as nginx does. Listening goes
                // on while some are idle; only when none is does accepting pause.
                guard woken else {
                    if !self.hasIdleConnection() { self.pauseAccepting() }
                    return
                }
                guard self.closeIdleConnections(now: now) > 0 else {
                    self.pauseAccepting()
                    return
                }
            }
            woken = false
            let fd = CKeygateLinux_accept4(listenFD, CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue))
            if fd < 0 {
                let code = currentErrno()
                switch code {
                case EAGAIN, EWOULDBLOCK, EINTR: return
                case ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE:
                    self.logger.error("accept4: out of file descriptors; pausing accepts", metadata: ["errno": "\(code)"])
                    self.pauseAccepting()
                    return
                default:
                    self.logger.error("accept4 failed", metadata: ["errno": "\(code)"])
                    return
                }
            }
            let session: Session
            switch self.listeners[index].wire {
            case .fastCGI: session = .fastCGI(FastCGIConnection(limits: self.configuration.limits))
            case .http(let style): session = .http(HTTPConnection(limits: self.configuration.httpLimits), style)
            }
            let connection = Connection(fd: fd, session: session, now: now, lingersOnClose: self.listenerIsTCP[index])
            if Int(fd) >= self.connections.count {
                self.connections += [Connection?](repeating: nil, count: Int(fd) + 64 - self.connections.count)
            }
            self.connections[Int(fd)] = connection
            self.openConnections += 1
            self.acceptedConnections += 1
            do {
                try self.watch(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue, tag: Self.connectionBase + UInt64(fd))
            } catch {
                self.logger.error("epoll_ctl(ADD) for a new connection failed", metadata: ["error": "\(error)"])
                self.close(connection)
                continue
            }
            // The request usually arrived with the connect: read now rather than waiting for another epoll round.
            self.handle(fd: fd, events: EPOLLIN.rawValue, now: now)
        }
    }

    private func handle(fd: CInt, events: UInt32, now: Int64) {
        guard Int(fd) < self.connections.count, let connection = self.connections[Int(fd)] else { return }
        if events & EPOLLOUT.rawValue != 0 {
            guard self.flush(connection, now: now) else { return }
        }
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            self.readAvailable(connection, now: now)
        }
    }

    private func readAvailable(_ connection: Connection, now: Int64) {
        // Bounded reads per wake-up, so one chatty peer cannot starve the others.
        for _ in 0..<16 {
            let count = read(connection.fd, self.readBuffer.baseAddress, self.readBuffer.count)
            if count == 0 {
                // Peer closed (nginx does this instead of ABORT_REQUEST): whatever was in flight is abandoned.
                if connection.session.isMidRequest {
                    self.logger.debug("peer closed mid-request", metadata: ["fd": "\(connection.fd)"])
                }
                self.close(connection)
                return
            }
            if count < 0 {
                let code = currentErrno()
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR { continue }
                if code != ECONNRESET { self.logger.warning("read failed; closing connection", metadata: ["errno": "\(code)"]) }
                self.close(connection)
                return
            }
            // Discard until EOF; reading is no progress, so a trickle cannot stretch the linger.
            if connection.lingering { continue }
            connection.lastActivityMillis = now
            connection.receivedAny = true
            if connection.session.wantsClose { continue }  // answered a non-keep-alive request; ignore the rest
            var completed = false
            do {
                completed = try connection.session.receive(
                    UnsafeRawBufferPointer(rebasing: self.readBuffer[0..<count]), output: &connection.output, gate: self.gate,
                    nowMicros: Clock.nowMicros())
            } catch {
                self.logger.warning("closing connection after a protocol error", metadata: ["error": "\(error)"])
                // HTTP answers a bad head with one fixed 400/431 before closing; FastCGI has nothing left to say.
                guard connection.session.wantsClose, connection.hasPendingOutput else {
                    self.close(connection)
                    return
                }
            }
            // A request's deadline runs from its first byte: set when one begins, cleared when none is in progress.
            if connection.session.isMidRequest {
                if completed || connection.requestStartMillis == nil { connection.requestStartMillis = now }
            } else if connection.requestStartMillis != nil {
                connection.requestStartMillis = nil
            }
            if connection.output.count - connection.outputSent > Self.maxPendingOutputBytes {
                self.logger.warning("closing connection: peer is not reading its answers")
                self.close(connection)
                return
            }
            guard self.flush(connection, now: now) else { return }
            if count < self.readBuffer.count { return }
        }
    }

    /// Sends pending output; closes when the protocol is done. Returns false if the connection was closed.
    private func flush(_ connection: Connection, now: Int64) -> Bool {
        while connection.hasPendingOutput {
            let sent = connection.output.withUnsafeBytes { bytes in
                send(connection.fd, bytes.baseAddress! + connection.outputSent, bytes.count - connection.outputSent,
                     CInt(MSG_NOSIGNAL))
            }
            if sent < 0 {
                let code = currentErrno()
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    if !connection.watchingWritable {
                        connection.watchingWritable = true
                        self.modify(connection, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue)
                    }
                    return true
                }
                if code != EPIPE && code != ECONNRESET {
                    self.logger.warning("send failed; closing connection", metadata: ["errno": "\(code)"])
                }
                self.close(connection)
                return false
            }
            connection.outputSent += sent
            connection.lastActivityMillis = now
        }
        connection.output.removeAll(keepingCapacity: true)
        connection.outputSent = 0
        if connection.watchingWritable {
            connection.watchingWritable = false
            self.modify(connection, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        }
        if connection.session.wantsClose || (self.draining && !connection.session.isMidRequest) {
            if connection.lingering { return true }
            if connection.lingersOnClose {
                connection.lingering = true
                connection.lastActivityMillis = now
                shutdown(connection.fd, CInt(SHUT_WR))
                return true
            }
            self.close(connection)
            return false
        }
        return true
    }

    static func isTCP(_ fd: CInt) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return found == 0 && (Int32(storage.ss_family) == AF_INET || Int32(storage.ss_family) == AF_INET6)
    }

    /// Closes slow and idle connections; during a drain, closes every connection not mid-request.
    private func sweep(now: Int64) {
        self.gate.checkSharedFiles(nowMillis: now)
        var sawIdle = false
        for case let connection? in self.connections {
            let quiet = now - connection.lastActivityMillis
            if connection.lingering {
                if quiet > Self.lingerMillis { self.close(connection) }
            } else if let start = connection.requestStartMillis, now - start > self.configuration.requestTimeoutMillis {
                // However steadily bytes trickle in, a request must be whole within the timeout of its first byte.
                self.logger.warning(
                    "closing slow connection: request incomplete",
                    metadata: ["millis": "\(now - start)", "quiet_millis": "\(quiet)"])
                self.close(connection)
            } else if !connection.receivedAny || connection.session.isMidRequest || connection.hasPendingOutput {
                if quiet > self.configuration.requestTimeoutMillis {
                    self.logger.warning(
                        "closing slow connection: no progress",
                        metadata: ["millis": "\(quiet)", "received": "\(connection.receivedAny)",
                            "pending_output": "\(connection.output.count - connection.outputSent)"])
                    self.close(connection)
                }
            } else if self.draining || quiet > self.configuration.idleTimeoutMillis {
                self.close(connection)
            } else {
                sawIdle = true
            }
        }
        // Resume below 90% of the cap, or at once if an idle connection can make room for a new one.
        if self.acceptingPaused && !self.draining
            && (sawIdle || self.openConnections < self.configuration.maxConnections * 9 / 10)
        {
            self.resumeAccepting()
        }
        self.logIdleClosed(now: now)
    }

    /// True if some connection is idle between requests (a scan: only called at the connection cap).
    private func hasIdleConnection() -> Bool {
        for case let connection? in self.connections where connection.isIdle { return true }
        return false
    }

    /// Closes the least recently active idle kept-alive connections to make room at the cap; returns how many.
    ///
    /// Like nginx's `ngx_drain_connections`: an eighth of the idle ones, at least 1 and at most 32. A front end sees
    /// an ordinary keep-alive close and opens a fresh connection (nginx retries a failed cached one at once).
    private func closeIdleConnections(now: Int64) -> Int {
        var idle: [Connection] = []
        for case let connection? in self.connections where connection.isIdle { idle.append(connection) }
        guard !idle.isEmpty else { return 0 }
        let count = max(1, min(32, idle.count / 8))
        idle.sort { $0.lastActivityMillis < $1.lastActivityMillis }
        for connection in idle.prefix(count) { self.close(connection) }
        self.idleClosedUnlogged += count
        self.logIdleClosed(now: now)
        return count
    }

    /// Logs how many idle connections were closed at the cap, at most once per interval.
    private func logIdleClosed(now: Int64) {
        guard self.idleClosedUnlogged > 0 else { return }
        if let last = self.idleClosedLogMillis, now - last < Self.idleClosedLogIntervalMillis { return }
        self.logger.warning(
            "connection limit reached; closed idle kept-alive connections to make room",
            metadata: [
                "count": "\(self.idleClosedUnlogged)", "max_connections": "\(self.configuration.maxConnections)",
            ])
        self.idleClosedUnlogged = 0
        self.idleClosedLogMillis = now
    }

    // MARK: - Descriptors

    private func close(_ connection: Connection) {
        Glibc.close(connection.fd)
        self.connections[Int(connection.fd)] = nil
        self.openConnections -= 1
    }

    private func watch(_ fd: CInt, events: UInt32, tag: UInt64) throws {
        var event = epoll_event()
        event.events = events
        event.data.u64 = tag
        _ = try syscall("epoll_ctl(ADD)") { epoll_ctl(self.epoll, EPOLL_CTL_ADD, fd, &event) }
    }

    private func watchListener(_ index: Int) throws {
        // EPOLLEXCLUSIVE: one worker wakes per new connection instead of all of them.
        try self.watch(self.listeners[index].fd, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue, tag: UInt64(index))
    }

    private func modify(_ connection: Connection, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = Self.connectionBase + UInt64(connection.fd)
        epoll_ctl(self.epoll, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func pauseAccepting() {
        guard !self.acceptingPaused else { return }
        self.acceptingPaused = true
        for listener in self.listeners { epoll_ctl(self.epoll, EPOLL_CTL_DEL, listener.fd, nil) }
        self.logger.warning(
            "connection limit reached; not accepting until some close",
            metadata: ["max_connections": "\(self.configuration.maxConnections)"])
    }

    private func resumeAccepting() {
        self.acceptingPaused = false
        for index in self.listeners.indices {
            do { try self.watchListener(index) } catch { self.logger.error("cannot resume accepting", metadata: ["error": "\(error)"]) }
        }
    }
}
