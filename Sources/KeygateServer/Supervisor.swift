import CKeygateLinux
import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// What the supervisor runs: how many workers, with which configuration, over which sockets.
public struct SupervisorPlan: Sendable {
    public var workerCount: Int
    /// What every worker is handed (as a ``WorkerDocument``), its shared files already prepared.
    public var worker: WorkerConfiguration
    public var listenAddresses: [ListenerSpec]
    /// A worker seen stopped (SIGSTOP, a debugger) for longer than this is killed and restarted; `nil`: never.
    public var stuckWorkerTimeoutMillis: Int64?

    public init(
        workerCount: Int, worker: WorkerConfiguration, listenAddresses: [ListenerSpec],
        stuckWorkerTimeoutMillis: Int64? = nil
    ) {
        self.workerCount = workerCount
        self.worker = worker
        self.listenAddresses = listenAddresses
        self.stuckWorkerTimeoutMillis = stuckWorkerTimeoutMillis
    }
}

/// The single-threaded parent of the workers: spawns them with `posix_spawn`, restarts any that die, reloads on
/// SIGHUP by starting a new generation before draining the old, and stops gracefully on SIGTERM/SIGINT.
///
/// It never forks: `posix_spawn` of `/proc/self/exe` is safe whatever the runtime has started.
public final class Supervisor {
    private var plan: SupervisorPlan
    private let listeners: [ListeningSocket]
    private let reload: () throws -> SupervisorPlan
    private let logger: Logger
    private let executable: String
    /// Worker slot → pid of the current generation.
    private var current: [Int: pid_t] = [:]
    /// Pids of an older generation, draining after a reload.
    private var retiring: Set<pid_t> = []
    private var restartTimes: [Int: [Int64]] = [:]
    private var pendingRestarts: [Int: Int64] = [:]
    private var stopping = false
    private var lastUsed: LastUsedTable?
    private var lastFlushMillis: Int64 = 0
    private var counters: CounterTable?
    /// The shared files the supervisor maps, checked about once a second for truncation or replacement.
    private var sharedFiles: SharedFileWatch?
    private var lastCheckMillis: Int64 = 0
    /// Writes usage and last-used times to SQLite every ``flushIntervalMillis`` and at shutdown.
    private var rollup: UsageRollup?
    /// Read ends of each worker's readiness pipe, by pid: a worker writes one byte once it accepts connections.
    private var readiness: [pid_t: CInt] = [:]
    private var ready: Set<pid_t> = []
    /// The previous generation, drained only once every new worker is ready (or after a deadline).
    private var awaitingRetirement: [pid_t] = []
    private var retireDeadlineMillis: Int64 = 0
    /// Listener descriptors moved above the range workers use, so `dup2` into 3… never meets its own source.
    private var listenerFDs: [CInt] = []
    /// Which workers have been seen stopped, and since when (`nil` with `--stuck-worker-timeout off`).
    private var stuckWatch: StuckWorkerWatch?
    private var lastStuckPollMillis: Int64 = 0
    /// The shared metrics (`--metrics-listen`), its descriptor above the range children use, and its listeners'.
    private let metrics: MetricsTable?
    private let metricsFD: CInt
    private let metricsListeners: [ListeningSocket]
    private var metricsListenerFDs: [CInt] = []
    /// The processes beside the workers: the metrics server (`--metrics-listen`) and the cluster agent
    /// (`--limits-from`).
    private var sides: [SideProcess] = []
    /// Which process holds each metrics slot (`nil`: free); a slot is held by one live process at a time.
    private var metricsSlotHolders: [pid_t?] = []
    /// The version the metrics report.
    private let version: String
    /// Tells systemd READY/RELOADING/STOPPING (`nil` when not started by a `Type=notify` unit).
    private let notifier: SystemdNotifier?
    /// READY=1 is owed to systemd: at startup and after a reload, sent once every current worker is ready.
    private var readyNoticeDue = true

    static let flushIntervalMillis: Int64 = 10_000
    static let stuckPollMillis: Int64 = 1_000

    /// Supervises workers for `plan` over `listeners`; `counters` and `lastUsed` are the shared files prepared (created,
    /// checked against SQLite) before, which the supervisor rolls up and watches, and never opens again.
    ///
    /// With `metricsListeners`, it makes the shared ``MetricsTable``, hands every worker a slot of it, and runs a
    /// ``MetricsServer`` process on those listeners.
    public init(
        plan: SupervisorPlan, listeners: [ListeningSocket], counters: CounterTable?, lastUsed: LastUsedTable?,
        metricsListeners: [ListeningSocket] = [], version: String = KeygateVersion.current, logger: Logger,
        notifier: SystemdNotifier? = nil, reload: @escaping () throws -> SupervisorPlan
    ) throws {
        self.plan = plan
        self.notifier = notifier
        self.listeners = listeners
        self.metricsListeners = metricsListeners
        self.version = version
        if metricsListeners.isEmpty {
            self.metrics = nil
            self.metricsFD = -1
        } else {
            let table = try MetricsTable()
            self.metrics = table
            self.metricsFD = try syscall("fcntl(F_DUPFD_CLOEXEC)") {
                fcntl(table.mapping.descriptor, F_DUPFD_CLOEXEC, CInt(100))
            }
            self.metricsSlotHolders = [pid_t?](repeating: nil, count: table.capacity)
            table.set(.startTimeSeconds, UInt64(Clock.nowSeconds()))
            for listener in metricsListeners {
                self.metricsListenerFDs.append(
                    try syscall("fcntl(F_DUPFD_CLOEXEC)") { fcntl(listener.fd, F_DUPFD_CLOEXEC, CInt(100)) })
            }
        }
        self.reload = reload
        self.logger = logger
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { throw SystemCallError(call: "readlink", errno: .current, detail: "/proc/self/exe") }
        self.executable = String(decoding: path[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for listener in listeners {
            self.listenerFDs.append(
                try syscall("fcntl(F_DUPFD_CLOEXEC)") { fcntl(listener.fd, F_DUPFD_CLOEXEC, CInt(100)) })
        }
        self.lastUsed = lastUsed
        self.counters = counters
        self.sharedFiles = SharedFileWatch(
            (self.counters.map { [.init(mapping: $0.mapping, consequence: SharedFileWatch.countersConsequence)] } ?? [])
                + (self.lastUsed.map { [.init(mapping: $0.mapping, consequence: "last-used times are not recorded")] }
                    ?? []),
            logger: logger)
        self.rollup = UsageRollup(
            databasePath: plan.worker.databasePath, counters: self.counters, logger: logger, lastUsed: self.lastUsed)
        self.stuckWatch = plan.stuckWorkerTimeoutMillis.map { StuckWorkerWatch(timeoutMillis: $0) }
    }

    /// Runs until SIGTERM/SIGINT and every worker has drained; returns the process exit status.
    public func run() -> Int32 {
        var mask = sigset_t()
        let signals: [CInt] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP]
        signals.withUnsafeBufferPointer { CKeygateLinux_sigset(&mask, $0.baseAddress, CInt($0.count)) }
        _ = CKeygateLinux_block_signals(&mask, nil)
        signal(SIGPIPE, SIG_IGN)
        if self.metrics != nil { self.sides.append(SideProcess(role: .metricsServer)) }
        if self.plan.worker.clusterLeasesPath != nil { self.sides.append(SideProcess(role: .clusterAgent)) }
        if self.plan.worker.adminListen != nil { self.sides.append(SideProcess(role: .adminServer)) }
        // The agent first (workers wait for its heartbeat), the metrics and admin servers after the workers.
        for index in self.sides.indices where self.sides[index].role == .clusterAgent { self.spawnSide(index) }
        self.awaitClusterAgent()
        for slot in 0..<self.plan.workerCount { self.spawn(slot: slot) }
        for index in self.sides.indices where self.sides[index].role != .clusterAgent { self.spawnSide(index) }
        self.logger.info(
            "keygate serving",
            metadata: [
                "listen": "\(self.plan.listenAddresses.map(\.description).joined(separator: ","))",
                "workers": "\(self.plan.workerCount)", "db": "\(self.plan.worker.databasePath)",
            ])
        var stopDeadline: Int64 = .max
        while true {
            var info = siginfo_t()
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let signo = sigtimedwait(&mask, &info, &timeout)
            let now = Clock.monotonicMillis()
            switch signo {
            case SIGCHLD: break  // reaped below
            case SIGTERM, SIGINT:
                if !self.stopping {
                    self.stopping = true
                    self.notifier?.send(.stopping)
                    stopDeadline = now + self.plan.worker.drainTimeoutMillis + 2_000
                    self.logger.info("stopping: draining workers")
                    self.signalAll(SIGTERM)
                    for side in self.sides { if let pid = side.pid { kill(pid, SIGTERM) } }
                }
            case SIGHUP:
                if !self.stopping {
                    self.notifier?.send(.reloading(monotonicMicros: SystemdNotifier.monotonicMicros()))
                    self.readyNoticeDue = true
                    self.reloadConfiguration()
                }
            default: break
            }
            self.reap(now: now)
            self.killStoppedWorkers(now: now)
            self.publishState(now: now)
            if self.stopping {
                if self.current.isEmpty && self.retiring.isEmpty && self.sides.allSatisfy({ $0.pid == nil }) {
                    break
                }
                if now >= stopDeadline {
                    self.logger.warning("workers did not drain in time; killing them")
                    self.signalAll(SIGKILL)
                    for side in self.sides { if let pid = side.pid { kill(pid, SIGKILL) } }
                    stopDeadline = .max
                }
                continue
            }
            self.collectReadiness()
            self.notifyReadyIfDue()
            if !self.awaitingRetirement.isEmpty {
                let newReady = self.current.values.allSatisfy { self.ready.contains($0) }
                if newReady || now >= self.retireDeadlineMillis {
                    if !newReady {
                        self.logger.warning("new workers not ready in time; draining the old ones anyway")
                        self.notifyReloadEndedUnready()
                    }
                    for pid in self.awaitingRetirement {
                        self.retiring.insert(pid)
                        kill(pid, SIGTERM)
                    }
                    self.awaitingRetirement = []
                }
            }
            for (slot, due) in self.pendingRestarts where due <= now {
                self.pendingRestarts[slot] = nil
                self.spawn(slot: slot)
            }
            for index in self.sides.indices {
                if let due = self.sides[index].restartDueMillis, due <= now { self.spawnSide(index) }
            }
            if now - self.lastCheckMillis >= 1_000 {
                self.sharedFiles?.check(nowMillis: now)
                self.lastCheckMillis = now
            }
            if now - self.lastFlushMillis >= Self.flushIntervalMillis {
                self.rollUp()
                self.lastFlushMillis = now
            }
        }
        self.rollUp()
        try? self.lastUsed?.mapping.flush()
        try? self.counters?.mapping.flush()
        for listener in self.listeners {
            if let path = listener.createdPath { unlink(path) }
        }
        self.logger.info("keygate stopped")
        return 0
    }

    private func signalAll(_ signal: CInt) {
        for pid in self.awaitingRetirement { self.retiring.insert(pid) }
        self.awaitingRetirement = []
        for pid in self.current.values { kill(pid, signal) }
        for pid in self.retiring { kill(pid, signal) }
    }

    /// Polls every worker's state about once a second and kills one that stayed stopped past the plan's bound.
    ///
    /// A stopped worker holding a key's lease makes every request for that key fail with 503 until it runs again; it
    /// is killed (SIGKILL works on stopped processes), reaped and restarted like any dead worker, and its leases are
    /// then taken over as a dead owner's.
    private func killStoppedWorkers(now: Int64) {
        guard var watch = self.stuckWatch, now - self.lastStuckPollMillis >= Self.stuckPollMillis else { return }
        self.lastStuckPollMillis = now
        for pid in Array(self.current.values) + Array(self.retiring) + self.awaitingRetirement {
            guard let stoppedMillis = watch.observe(pid: pid, stat: ProcessStat.read(pid: pid), nowMillis: now) else {
                continue
            }
            self.logger.error(
                "worker stopped too long (signal or debugger; it may hold key leases); killing it",
                metadata: [
                    "pid": "\(pid)", "stopped_ms": "\(stoppedMillis)",
                    "stuck_worker_timeout_ms": "\(watch.timeoutMillis)",
                ])
            kill(pid, SIGKILL)
            self.metrics?.add(.stuckWorkerKills)
        }
        self.stuckWatch = watch
    }

    /// Sends READY=1 once every worker of the current generation accepts connections (after a failed reload at once:
    /// the running generation stays).
    private func notifyReadyIfDue() {
        guard self.readyNoticeDue, let notifier = self.notifier, self.current.count == self.plan.workerCount,
            self.current.values.allSatisfy({ self.ready.contains($0) })
        else { return }
        self.readyNoticeDue = false
        let listen = self.plan.listenAddresses.map(\.description).joined(separator: ",")
        notifier.send(.ready(mainPID: getpid(), status: "serving \(listen) with \(self.plan.workerCount) workers"))
    }

    /// A reload whose new workers were not all ready by the deadline still ends (the old ones are drained): tells
    /// systemd it is over, so the unit does not stay "reloading", with a status saying how many are ready.
    private func notifyReloadEndedUnready() {
        guard self.readyNoticeDue, let notifier = self.notifier else { return }
        self.readyNoticeDue = false
        let ready = self.current.values.filter { self.ready.contains($0) }.count
        notifier.send(
            .ready(
                mainPID: getpid(),
                status: "reloaded, but only \(ready) of \(self.plan.workerCount) new workers are ready (see the log)"))
    }

    /// Reads readiness bytes that arrived (nonblocking) and notes which workers accept connections.
    private func collectReadiness() {
        for (pid, fd) in self.readiness {
            var byte: UInt8 = 0
            let count = read(fd, &byte, 1)
            if count == 1 {
                self.ready.insert(pid)
                close(fd)
                self.readiness[pid] = nil
            } else if count == 0 {
                close(fd)  // the worker closed it without a byte: it failed to start; reaping will tell
                self.readiness[pid] = nil
            }
        }
    }

    private func reap(now: Int64) {
        while true {
            var status: CInt = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            if let fd = self.readiness.removeValue(forKey: pid) { close(fd) }
            self.ready.remove(pid)
            if let slot = self.metricsSlotHolders.firstIndex(of: pid) { self.metricsSlotHolders[slot] = nil }
            if let index = self.sides.firstIndex(where: { $0.pid == pid }) {
                self.sides[index].pid = nil
                if !self.stopping { self.restartSide(index, status: status, now: now) }
                continue
            }
            self.stuckWatch?.forget(pid: pid)
            if let index = self.awaitingRetirement.firstIndex(of: pid) { self.awaitingRetirement.remove(at: index) }
            if self.retiring.remove(pid) != nil { continue }
            guard let slot = self.current.first(where: { $0.value == pid })?.key else { continue }
            self.current[slot] = nil
            if self.stopping { continue }
            let how = Self.describe(status: status)
            // A worker that keeps dying is restarted with a delay, not in a tight loop.
            var recent = (self.restartTimes[slot] ?? []).filter { now - $0 < 10_000 }
            recent.append(now)
            self.restartTimes[slot] = recent
            let delay: Int64 = recent.count > 5 ? 2_000 : 0
            self.metrics?.add(.workerRestarts)
            self.logger.warning(
                "worker exited; restarting", metadata: ["pid": "\(pid)", "how": "\(how)", "delay_ms": "\(delay)"])
            if delay == 0 { self.spawn(slot: slot) } else { self.pendingRestarts[slot] = now + delay }
        }
    }

    private func reloadConfiguration() {
        let next: SupervisorPlan
        do {
            next = try self.reload()
        } catch {
            self.logger.error("reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            self.metrics?.add(.reloadFailures)
            return
        }
        if next.listenAddresses != self.plan.listenAddresses {
            self.logger.warning("listen addresses cannot change on reload; restart keygate to change them")
        }
        var adopted = next
        adopted.listenAddresses = self.plan.listenAddresses
        if adopted.stuckWorkerTimeoutMillis != self.plan.stuckWorkerTimeoutMillis {
            self.stuckWatch = adopted.stuckWorkerTimeoutMillis.map { StuckWorkerWatch(timeoutMillis: $0) }
        }
        self.plan = adopted
        // New generation first: the old one keeps serving until the new one is accepting, so nothing is dropped.
        let old = self.current
        self.current = [:]
        self.pendingRestarts = [:]
        for slot in 0..<self.plan.workerCount { self.spawn(slot: slot) }
        // The old generation keeps accepting until every new worker says it is ready (checked in the main loop).
        self.awaitingRetirement += old.values
        self.retireDeadlineMillis = Clock.monotonicMillis() + 10_000
        // The side processes read their settings at start (the metrics server its token file): start new ones.
        for index in self.sides.indices {
            if let pid = self.sides[index].pid {
                self.retiring.insert(pid)
                kill(pid, SIGTERM)
                self.sides[index].pid = nil
            }
            self.spawnSide(index)
        }
        self.metrics?.add(.reloads)
        self.metrics?.set(.lastReloadSeconds, UInt64(Clock.nowSeconds()))
        self.logger.info("configuration reloaded", metadata: ["workers": "\(self.plan.workerCount)"])
    }

    private func spawn(slot: Int) {
        let metricsSlot = self.takeMetricsSlot()
        guard
            let pid = self.launch(
                listenerFDs: self.listenerFDs, wires: self.listeners.map(\.wire), flag: "--worker",
                metricsSlot: metricsSlot)
        else {
            self.pendingRestarts[slot] = Clock.monotonicMillis() + 1_000
            return
        }
        self.current[slot] = pid
        if let metricsSlot { self.metricsSlotHolders[metricsSlot] = pid }
    }

    /// With limits shared through Redis, waits (at most 5 s) for the cluster agent's first heartbeat before any worker
    /// starts: until then workers would decide by the outage share, and a key with a quota would be refused.
    private func awaitClusterAgent() {
        guard let path = self.plan.worker.clusterLeasesPath,
            let table = try? ClusterLeaseTable(
                path: path, capacity: self.plan.worker.countersCapacity, opening: .openOrCreate)
        else { return }
        let deadline = Clock.monotonicMillis() + 5_000
        while !table.agentIsUp(nowMicros: Clock.nowMicros()) {
            guard Clock.monotonicMillis() < deadline else {
                self.logger.warning(
                    "the cluster agent has not started in 5 s; workers use the outage share until it does")
                return
            }
            usleep(5_000)
        }
    }

    /// Starts side process `index`: the metrics server on the metrics listeners, the cluster agent and the admin
    /// server on none. Only the admin server decides (its verify endpoint), so only it holds a metrics slot, like a
    /// worker: its decisions are counted in `/metrics` with the workers'.
    private func spawnSide(_ index: Int) {
        let now = Clock.monotonicMillis()
        self.sides[index].restartDueMillis = nil
        self.sides[index].starts = self.sides[index].starts.filter { now - $0 < 10_000 } + [now]
        let role = self.sides[index].role
        let isMetrics = role == .metricsServer
        let metricsSlot = role == .adminServer ? self.takeMetricsSlot() : nil
        guard
            let pid = self.launch(
                listenerFDs: isMetrics ? self.metricsListenerFDs : [],
                wires: isMetrics ? self.metricsListeners.map(\.wire) : [], flag: role.rawValue,
                metricsSlot: metricsSlot)
        else {
            self.sides[index].restartDueMillis = now + 1_000
            return
        }
        self.sides[index].pid = pid
        if let metricsSlot { self.metricsSlotHolders[metricsSlot] = pid }
    }

    /// Side process `index` died: start it again, after 2 s if it keeps dying.
    private func restartSide(_ index: Int, status: CInt, now: Int64) {
        let how = Self.describe(status: status)
        let delay: Int64 = self.sides[index].starts.count > 5 ? 2_000 : 0
        self.logger.warning(
            "\(self.sides[index].role.name) exited; restarting", metadata: ["how": "\(how)", "delay_ms": "\(delay)"])
        self.sides[index].restartDueMillis = now + delay
    }

    /// A free metrics slot, its gauges zeroed for the new process; `nil` without metrics or when every slot is held.
    private func takeMetricsSlot() -> Int? {
        guard let table = self.metrics else { return nil }
        guard let free = self.metricsSlotHolders.firstIndex(where: { $0 == nil }) else {
            table.add(.slotsExhausted)
            return nil
        }
        table.prepareSlot(free)
        return free
    }

    /// Rolls usage up into SQLite, counting runs and failures in the metrics.
    private func rollUp() {
        switch self.rollup?.run(nowSeconds: Clock.nowSeconds()) {
        case .rolledUp?: self.metrics?.add(.rollupRuns)
        case .failed?: self.metrics?.add(.rollupFailures)
        case .skipped?, nil: break
        }
    }

    /// Writes what the metrics server reports about the supervisor: its heartbeat, workers, the counters file.
    private func publishState(now: Int64) {
        guard let table = self.metrics else { return }
        table.set(.heartbeatMillis, UInt64(now))
        table.set(.workersConfigured, UInt64(self.plan.workerCount))
        table.set(.workersReady, UInt64(self.current.values.filter { self.ready.contains($0) }.count))
        let countersState: UInt64 = self.counters.map { $0.mapping.isLost ? 2 : 1 } ?? 0
        table.set(.countersState, countersState)
    }

    /// Spawns `keygate serve FLAG` with `listenerFDs` at descriptors 3…, a readiness pipe after them, the metrics
    /// table after that, and its ``WorkerDocument`` in the environment; returns its pid, or `nil` (logged).
    private func launch(listenerFDs: [CInt], wires: [WireProtocol], flag: String, metricsSlot: Int?) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inherited: [ListeningSocket] = []
        for (index, fd) in listenerFDs.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, fd, CInt(3 + index))
            inherited.append(
                ListeningSocket(
                    fd: CInt(3 + index), address: .inherited(fd: CInt(3 + index)), createdPath: nil,
                    wire: wires[index]))
        }
        var pipeFDs: [CInt] = [-1, -1]
        let readyFD = CInt(3 + listenerFDs.count)
        if CKeygateLinux_pipe2(&pipeFDs, O_CLOEXEC | O_NONBLOCK) == 0 {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], readyFD)
        }
        defer { if pipeFDs[1] >= 0 { close(pipeFDs[1]) } }
        let childMetricsFD = readyFD + 1
        if self.metrics != nil { posix_spawn_file_actions_adddup2(&actions, self.metricsFD, childMetricsFD) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        let reset: [CInt] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE]
        reset.withUnsafeBufferPointer { CKeygateLinux_sigset(&defaults, $0.baseAddress, CInt($0.count)) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let document = WorkerDocument(
            configuration: self.plan.worker, listeners: inherited, readyFD: pipeFDs[0] >= 0 ? readyFD : nil,
            metricsFD: self.metrics == nil ? nil : childMetricsFD, metricsSlot: metricsSlot)
        let arguments: [String] = ["keygate", "serve", flag]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = Self.environment(handing: document).map { strdup($0) } + [nil]
        defer { for pointer in argv + environment { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, self.executable, &actions, &attributes, argv, environment)
        if result != 0 {
            self.logger.error(
                "posix_spawn failed; retrying shortly",
                metadata: ["error": "\(SystemCallError(call: "posix_spawn", errno: Errno(result)))"])
            if pipeFDs[0] >= 0 { close(pipeFDs[0]) }
            return nil
        }
        if pipeFDs[0] >= 0 { self.readiness[pid] = pipeFDs[0] }
        return pid
    }

    /// How a child ended, from its `waitpid` status: `exit status N` or `signal N`.
    static func describe(status: CInt) -> String {
        (status & 0x7f) == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
    }

    /// This process's environment without any inherited worker document, plus `document` for the worker.
    static func environment(handing document: WorkerDocument) -> [String] {
        ProcessEnvironment.entries().filter { !$0.hasPrefix(WorkerDocument.environmentName + "=") }
            + [WorkerDocument.environmentName + "=" + document.encoded]
    }
}

/// A process the supervisor runs beside the workers, once: started with them, restarted when it dies, stopped with
/// them, and replaced on a reload.
struct SideProcess {
    enum Role: String {
        case metricsServer = "--metrics-server"
        case clusterAgent = "--cluster-agent"
        case adminServer = "--admin-server"

        /// The role in log lines.
        var name: String {
            switch self {
            case .metricsServer: "metrics server"
            case .clusterAgent: "cluster agent"
            case .adminServer: "admin server"
            }
        }
    }

    let role: Role
    /// Its pid while it runs.
    var pid: pid_t?
    /// When to start it again after it died.
    var restartDueMillis: Int64?
    /// When it was started in the last 10 s: one that keeps dying is restarted after a delay.
    var starts: [Int64] = []
}
