import CKeygateLinux
import Glibc
import KeygateCore
import KeygateSystem
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
    private let epoll: Epoll
    private let signalFD: CInt
    /// Connections by descriptor (descriptors are small integers, so an array is the cheapest map).
    private var connections: [Connection?] = []
    private var openConnections = 0
    /// Connections accepted over the worker's life (logged at exit: shows whether front ends reuse connections).
    private var acceptedConnections = 0
    private var accepting = Accepting.on
    /// Set by SIGTERM/SIGINT: in-flight requests may finish until then; `nil` while serving.
    private var drainDeadlineMillis: Int64?
    private let timeouts: ConnectionTimeouts
    private var readBuffer: UnsafeMutableRawBufferPointer
    /// What one epoll wait reports.
    private var events = [epoll_event](repeating: epoll_event(), count: 128)
    private var lastSweepMillis: Int64 = 0
    /// Without a supervisor (mod_fcgid, `--workers 0`) the worker rolls usage up itself, under the shared lock.
    private let rollup: UsageRollup?
    private var lastRollupMillis: Int64 = 0
    /// Per listener: does it accept TCP connections (which need a lingering close)?
    private let listenerIsTCP: [Bool]
    /// Idle connections closed at the connection cap since the last log line about them, and when that line was.
    private var idleClosedUnlogged = 0
    private var idleClosedLogMillis: Int64?
    /// The shared metrics table (kept mapped) and this worker's slot of it, when metrics are on.
    private let metricsTable: MetricsTable?
    private let metrics: MetricsSlot?
    /// The log line about idle connections closed at the cap is written at most this often.
    static let idleClosedLogIntervalMillis: Int64 = 10_000

    /// epoll `data` tags below this are listener indices; the signalfd has its own tag; connections use their fd + base.
    private static let signalTag: UInt64 = 1 << 32
    private static let connectionBase: UInt64 = 1 << 33
    /// Output a peer may leave unread before keygate gives up on it.
    static let maxPendingOutputBytes = 1 << 20

    /// Whether the listeners are in the epoll set.
    private enum Accepting {
        /// Watched: a new connection wakes this worker (or another one).
        case on
        /// Taken out at the connection cap (or out of descriptors) until some connections close or become idle.
        case paused
        /// Taken out for good by a drain.
        case stopped
    }

    /// Epoll events of a connection: input always, and room to write while its output is blocked.
    private static let connectionEvents: EpollEvents = [.readable, .peerClosed]
    private static let blockedConnectionEvents: EpollEvents = [.readable, .writable, .peerClosed]

    /// One accepted connection. Its output and state are touched on every read by the worker's one thread and
    /// never passed `inout` into a call that could reach the same property again, so their dynamic exclusivity checks
    /// (~70 instructions per access) are skipped.
    final class Connection {
        let fd: CInt
        let session: Session
        /// The index of the listener that accepted it.
        let listener: Int
        @exclusivity(unchecked) var output: [UInt8] = []
        var outputSent = 0
        /// Where its life stands; every change is one of ``ConnectionState``'s transitions.
        @exclusivity(unchecked) var state: ConnectionState
        /// TCP peers get a lingering close: closing with their unread input would send a reset that can destroy the
        /// answer still in flight. (A unix socket keeps queued data readable for the peer, so it closes at once.)
        let lingersOnClose: Bool

        init(fd: CInt, session: Session, listener: Int, now: Int64, lingersOnClose: Bool) {
            self.fd = fd
            self.session = session
            self.listener = listener
            self.state = ConnectionState(acceptedAtMillis: now)
            self.lingersOnClose = lingersOnClose
        }

        var hasPendingOutput: Bool { self.outputSent < self.output.count }
        var pendingOutputCount: Int { self.output.count - self.outputSent }
    }

    /// A worker over the files `configuration` names (the key database, counters, per-IP and last-used tables).
    public convenience init(
        configuration: WorkerConfiguration, listeners: [ListeningSocket], logger: Logger, rollsUpUsage: Bool = false,
        metrics: (table: MetricsTable, slot: Int)? = nil
    ) throws {
        let (gate, counters, lastUsed) = try Self.gate(configuration, logger: logger)
        let rollup =
            rollsUpUsage
            ? UsageRollup(
                databasePath: configuration.databasePath, counters: counters, logger: logger, lastUsed: lastUsed)
            : nil
        try self.init(
            configuration: configuration, listeners: listeners, gate: gate, rollup: rollup, logger: logger,
            metrics: metrics)
    }

    /// A worker deciding with `gate`; of `configuration` it uses the connection limits and timeouts only.
    ///
    /// Blocks SIGTERM, SIGINT, SIGHUP and SIGUSR1 in the calling thread (they arrive through a signalfd) and ignores
    /// SIGPIPE in the process.
    init(
        configuration: WorkerConfiguration, listeners: [ListeningSocket], gate: Gate, rollup: UsageRollup?,
        logger: Logger, metrics: (table: MetricsTable, slot: Int)? = nil
    ) throws {
        self.metricsTable = metrics?.table
        self.metrics = metrics.map { $0.table.slot($0.slot) }
        gate.metrics = self.metrics
        self.configuration = configuration
        self.listeners = listeners
        self.logger = logger
        self.listenerIsTCP = listeners.map { Self.isTCP($0.fd) }
        self.rollup = rollup
        self.gate = gate
        self.timeouts = ConnectionTimeouts(
            requestMillis: configuration.requestTimeoutMillis, idleMillis: configuration.idleTimeoutMillis)
        self.epoll = try Epoll()
        // Termination arrives as data on a descriptor, handled between requests, never inside one.
        var mask = sigset_t()
        let signals: [CInt] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
        signals.withUnsafeBufferPointer { CKeygateLinux_sigset(&mask, $0.baseAddress, CInt($0.count)) }
        _ = CKeygateLinux_block_signals(&mask, nil)
        signal(SIGPIPE, SIG_IGN)
        self.signalFD = try syscall("signalfd") { signalfd(-1, &mask, CInt(SFD_NONBLOCK) | CInt(SFD_CLOEXEC)) }
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        try self.epoll.add(self.signalFD, events: .readable, tag: Self.signalTag)
        for index in self.listeners.indices { try self.watchListener(index) }
    }

    deinit {
        for case let connection? in self.connections { Glibc.close(connection.fd) }
        Glibc.close(self.signalFD)
        self.readBuffer.deallocate()
    }

    /// The counters file the supervisor checked, opened only if it is still that file (a worker never creates or
    /// rebuilds it); otherwise no table and why, so that keys with limits fail closed.
    /// The decision path over the files `configuration` names, as a worker decides (the admin API's verify endpoint
    /// decides through one too): the key database, counters, per-IP, last-used and lease tables.
    public static func gate(_ configuration: WorkerConfiguration, logger: Logger) throws -> (
        gate: Gate, counters: CounterTable?, lastUsed: LastUsedTable?
    ) {
        let lastUsed = Self.optionalLastUsed(configuration, logger: logger)
        let (counters, countersUnavailable) = Self.openCounters(configuration, logger: logger)
        let gate = try Gate(
            databasePath: configuration.databasePath, policy: configuration.policy, lastUsed: lastUsed,
            counters: counters,
            ipTable: try configuration.ipTablePath.map {
                try IPTable(path: $0, capacity: configuration.ipTableCapacity)
            },
            cluster: try configuration.clusterLeasesPath.map {
                try ClusterLeaseTable(path: $0, capacity: configuration.countersCapacity, opening: .openOrCreate)
            },
            countersUnavailable: countersUnavailable, logger: logger)
        gate.denialLogLevel = configuration.logDenials ? .info : .debug
        gate.sharesLimits = configuration.limitsFrom != nil
        gate.strictKeysMaxAgeMicros =
            configuration.keysFrom != nil && configuration.strictKeyStaleness
            ? configuration.maxKeyStalenessMillis * 1_000 : nil
        return (gate, counters, lastUsed)
    }

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
        while try self.turn() {}
        self.logger.info(
            "worker stopped",
            metadata: ["decisions": "\(self.gate.statistics.decisions)", "connections": "\(self.acceptedConnections)"])
    }

    /// One round of the loop: waits for events (at most a second, 50 ms while draining), handles them, rolls usage up
    /// and sweeps when due. Returns false once a drain is over (no connection left, or its deadline passed).
    func turn() throws -> Bool {
        let timeout: CInt = self.isDraining ? 50 : 1000
        let count = try self.events.withUnsafeMutableBufferPointer {
            try self.epoll.wait(into: $0, timeoutMillis: timeout)
        }
        let now = Clock.monotonicMillis()
        for index in 0..<count {
            let event = self.events[index]
            let tag = event.data.u64
            if tag == Self.signalTag {
                self.handleSignals(now: now)
            } else if tag < Self.signalTag {
                self.acceptConnections(listener: Int(tag), now: now)
            } else {
                let fd = CInt(tag - Self.connectionBase)
                self.handle(fd: fd, events: EpollEvents(rawValue: event.events), now: now)
            }
        }
        if let rollup = self.rollup,
            now - self.lastRollupMillis >= 10_000 || (self.isDraining && self.openConnections == 0)
        {
            self.lastRollupMillis = now
            rollup.run(nowSeconds: Clock.nowSeconds())
        }
        if now - self.lastSweepMillis >= (self.isDraining ? 50 : 1000) {
            self.sweep(now: now)
            self.lastSweepMillis = now
        }
        guard let drainDeadlineMillis = self.drainDeadlineMillis else { return true }
        if self.openConnections == 0 { return false }
        if now >= drainDeadlineMillis {
            self.logger.warning(
                "drain timeout: closing connections still in flight", metadata: ["count": "\(self.openConnections)"])
            return false
        }
        return true
    }

    /// The phase of each open connection, in descriptor order (what tests stepping ``turn(_:)`` observe).
    var connectionPhases: [ConnectionState.Phase] { self.connections.compactMap { $0?.state.phase } }

    /// True once SIGTERM/SIGINT began the drain.
    private var isDraining: Bool { self.drainDeadlineMillis != nil }

    // MARK: - Events

    private func handleSignals(now: Int64) {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        // Bounded: signals still queued after these wake epoll again.
        for _ in 0..<16 {
            let result = withUnsafeMutableBytes(of: &info) { NonblockingIO.read(self.signalFD, into: $0) }
            if case .failed(let errno) = result {
                let error = SystemCallError(call: "read(signalfd)", errno: errno)
                self.logger.error("reading the signalfd failed", metadata: ["error": "\(error)"])
            }
            guard case .processed(size) = result else { return }
            switch CInt(info.ssi_signo) {
            case SIGTERM, SIGINT:
                self.beginDrain(now: now)
            default:
                break  // SIGHUP/SIGUSR1: configuration reloads are the supervisor's job; keys reload by themselves
            }
        }
    }

    private func beginDrain(now: Int64) {
        guard !self.isDraining else { return }
        // Take what is already queued on the shared socket before letting go of it, so nothing queued is dropped.
        for index in self.listeners.indices { self.acceptConnections(listener: index, now: now, ignoringLimit: true) }
        self.drainDeadlineMillis = now + self.configuration.drainTimeoutMillis
        if self.accepting == .on { self.unwatchListeners() }
        self.accepting = .stopped
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
            let fd: CInt
            switch NonblockingIO.accept(listenFD) {
            case .processed(let accepted):
                fd = accepted
            case .wouldBlock:
                return
            case .failed(let errno) where errno.rawValue == ECONNABORTED || errno.rawValue == EPROTO:
                continue  // that peer gave up; the next one may be waiting
            case .failed(let errno) where errno.rawValue == EMFILE || errno.rawValue == ENFILE:
                self.logger.error("accept4: out of file descriptors; pausing accepts", metadata: ["error": "\(errno)"])
                self.pauseAccepting()
                return
            case .failed(let errno):
                self.logger.error("accept4 failed", metadata: ["error": "\(errno)"])
                return
            }
            let session: Session
            switch self.listeners[index].wire {
            case .fastCGI: session = .fastCGI(FastCGIConnection(limits: self.configuration.limits))
            case .http(let style): session = .http(HTTPConnection(limits: self.configuration.httpLimits), style)
            }
            let connection = Connection(
                fd: fd, session: session, listener: index, now: now, lingersOnClose: self.listenerIsTCP[index])
            self.metrics?.connectionOpened(listener: index)
            if Int(fd) >= self.connections.count {
                self.connections += [Connection?](repeating: nil, count: Int(fd) + 64 - self.connections.count)
            }
            self.connections[Int(fd)] = connection
            self.openConnections += 1
            self.acceptedConnections += 1
            do {
                try self.epoll.add(fd, events: Self.connectionEvents, tag: Self.connectionBase + UInt64(fd))
            } catch {
                self.logger.error("closing a new connection: cannot watch it", metadata: ["error": "\(error)"])
                self.close(connection)
                continue
            }
            // The request usually arrived with the connect: read now rather than waiting for another epoll round.
            self.handle(fd: fd, events: .readable, now: now)
        }
    }

    private func handle(fd: CInt, events: EpollEvents, now: Int64) {
        guard Int(fd) < self.connections.count, let connection = self.connections[Int(fd)] else { return }
        if events.contains(.writable) {
            guard self.flush(connection, now: now) else { return }
        }
        if !events.isDisjoint(with: .input) {
            self.readAvailable(connection, now: now)
        }
    }

    private func readAvailable(_ connection: Connection, now: Int64) {
        // Bounded reads per wake-up, so one chatty peer cannot starve the others.
        for _ in 0..<16 {
            let count: Int
            switch NonblockingIO.read(connection.fd, into: self.readBuffer) {
            case .processed(0):
                // Peer closed (nginx does this instead of ABORT_REQUEST): whatever was in flight is abandoned.
                if case .readingRequest = connection.state.phase {
                    self.logger.debug("peer closed mid-request", metadata: ["fd": "\(connection.fd)"])
                }
                self.close(connection)
                return
            case .processed(let received):
                count = received
            case .wouldBlock:
                return
            case .failed(let errno):
                if errno.rawValue != ECONNRESET {
                    self.logger.warning("read failed; closing connection", metadata: ["error": "\(errno)"])
                }
                self.close(connection)
                return
            }
            // Discarded while lingering or after the last answer (a non-keep-alive request, a bad one).
            guard connection.state.receive(atMillis: now) else { continue }
            var completed = false
            do {
                completed = try connection.session.receive(
                    UnsafeRawBufferPointer(rebasing: self.readBuffer[0..<count]), output: &connection.output,
                    gate: self.gate,
                    nowMicros: Clock.nowMicros())
            } catch {
                self.logger.warning("closing connection after a protocol error", metadata: ["error": "\(error)"])
                self.metrics?.count(.protocolErrors)
                // HTTP answers a bad head with one fixed 400/431 before closing; FastCGI has nothing left to say.
                guard connection.hasPendingOutput else {
                    self.close(connection)
                    return
                }
            }
            connection.state.advance(to: connection.session.progress, completedRequest: completed, atMillis: now)
            if connection.pendingOutputCount > Self.maxPendingOutputBytes {
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
        // Bounded: every pass sends at least one byte or returns.
        while connection.hasPendingOutput {
            let result = connection.output.withUnsafeBytes { bytes in
                NonblockingIO.send(connection.fd, UnsafeRawBufferPointer(rebasing: bytes[connection.outputSent...]))
            }
            switch result {
            case .processed(let sent):
                connection.outputSent += sent
                connection.state.sent(atMillis: now)
            case .wouldBlock:
                if connection.state.blockOutput() {
                    return self.watch(connection, events: Self.blockedConnectionEvents)
                }
                return true
            case .failed(let errno):
                if errno.rawValue != EPIPE && errno.rawValue != ECONNRESET {
                    self.logger.warning("send failed; closing connection", metadata: ["error": "\(errno)"])
                }
                self.close(connection)
                return false
            }
        }
        connection.output.removeAll(keepingCapacity: true)
        connection.outputSent = 0
        if connection.state.flushOutput() {
            guard self.watch(connection, events: Self.connectionEvents) else { return false }
        }
        switch connection.state.afterFlush(
            atMillis: now, draining: self.isDraining, lingersOnClose: connection.lingersOnClose)
        {
        case .keepOpen:
            return true
        case .shutDownWriting:
            // A peer already gone shows up as EOF or an error at the next read, which closes the connection.
            _ = shutdown(connection.fd, CInt(SHUT_WR))
            return true
        case .close:
            self.close(connection)
            return false
        }
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
            switch connection.state.verdict(atMillis: now, draining: self.isDraining, timeouts: self.timeouts) {
            case .keep:
                break
            case .keepIdle:
                sawIdle = true
            case .close(let reason):
                self.logClosing(connection, reason: reason, now: now)
                if case .requestIncomplete = reason { self.metrics?.count(.slowConnections) }
                if case .noProgress = reason { self.metrics?.count(.slowConnections) }
                self.close(connection)
            }
        }
        // Resume below 90% of the cap, or at once if an idle connection can make room for a new one.
        if self.accepting == .paused
            && (sawIdle || self.openConnections < self.configuration.maxConnections * 9 / 10)
        {
            self.resumeAccepting()
        }
        self.logIdleClosed(now: now)
    }

    /// Logs why a sweep closes a slow connection (an idle or lingering one closes without a line).
    private func logClosing(_ connection: Connection, reason: ConnectionState.CloseReason, now: Int64) {
        switch reason {
        case .requestIncomplete(let elapsedMillis):
            // However steadily bytes trickle in, a request must be whole within the timeout of its first byte.
            self.logger.warning(
                "closing slow connection: request incomplete",
                metadata: [
                    "millis": "\(elapsedMillis)", "quiet_millis": "\(now - connection.state.lastActivityMillis)",
                ])
        case .noProgress(let quietMillis):
            self.logger.warning(
                "closing slow connection: no progress",
                metadata: [
                    "millis": "\(quietMillis)", "received": "\(connection.state.phase != .awaitingFirstRequest)",
                    "pending_output": "\(connection.pendingOutputCount)",
                ])
        case .lingerEnded, .idle:
            break
        }
    }

    /// True if some connection is idle between requests (a scan: only called at the connection cap).
    private func hasIdleConnection() -> Bool {
        for case let connection? in self.connections where connection.state.isIdle { return true }
        return false
    }

    /// Closes the least recently active idle kept-alive connections to make room at the cap; returns how many.
    ///
    /// Like nginx's `ngx_drain_connections`: an eighth of the idle ones, at least 1 and at most 32. A front end sees
    /// an ordinary keep-alive close and opens a fresh connection (nginx retries a failed cached one at once).
    private func closeIdleConnections(now: Int64) -> Int {
        var idle: [Connection] = []
        for case let connection? in self.connections where connection.state.isIdle { idle.append(connection) }
        guard !idle.isEmpty else { return 0 }
        let count = max(1, min(32, idle.count / 8))
        idle.sort { $0.state.lastActivityMillis < $1.state.lastActivityMillis }
        for connection in idle.prefix(count) { self.close(connection) }
        self.idleClosedUnlogged += count
        self.metrics?.count(.idleClosedAtCap, UInt64(count))
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
        connection.state.close()
        // Closing the descriptor also takes it out of the epoll set. Not retried on EINTR: Linux has closed it anyway.
        Glibc.close(connection.fd)
        self.connections[Int(connection.fd)] = nil
        self.openConnections -= 1
        self.metrics?.connectionClosed(listener: connection.listener)
    }

    /// Changes what `connection` is watched for; if epoll refuses, logs why and closes it (returns false).
    private func watch(_ connection: Connection, events: EpollEvents) -> Bool {
        do {
            try self.epoll.modify(connection.fd, events: events, tag: Self.connectionBase + UInt64(connection.fd))
            return true
        } catch {
            self.logger.error("closing connection: cannot change what epoll watches", metadata: ["error": "\(error)"])
            self.close(connection)
            return false
        }
    }

    private func watchListener(_ index: Int) throws(SystemCallError) {
        // EPOLLEXCLUSIVE: one worker wakes per new connection instead of all of them.
        try self.epoll.add(self.listeners[index].fd, events: [.readable, .exclusive], tag: UInt64(index))
    }

    /// Takes every listener out of the epoll set; a failure is logged (the listener may then still wake this worker).
    private func unwatchListeners() {
        for listener in self.listeners {
            do {
                try self.epoll.remove(listener.fd)
            } catch {
                self.logger.error("cannot stop watching a listener", metadata: ["error": "\(error)"])
            }
        }
    }

    private func pauseAccepting() {
        guard self.accepting == .on else { return }
        self.accepting = .paused
        self.unwatchListeners()
        self.logger.warning(
            "connection limit reached; not accepting until some close",
            metadata: ["max_connections": "\(self.configuration.maxConnections)"])
    }

    private func resumeAccepting() {
        self.accepting = .on
        for index in self.listeners.indices {
            do { try self.watchListener(index) } catch {
                self.logger.error("cannot resume accepting", metadata: ["error": "\(error)"])
            }
        }
    }
}
