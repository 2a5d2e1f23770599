import ArgumentParser
import CKeygateLinux
import Glibc
import KeygateAdmin
import KeygateCore
import KeygatePostgres
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

extension Serve {
    /// Fails the start when `--admin-listen` cannot be bound (in use, no permission): the admin server binds it
    /// itself, so a trial bind here makes the mistake a startup error rather than a restart loop.
    static func checkAdminListener(_ configuration: ServeConfiguration) throws {
        guard let text = configuration.worker.adminListen else { return }
        let spec = try ServeConfiguration.parsingAdminListener(text, workerCount: configuration.workerCount).spec
        let trial: [ListeningSocket]
        do { trial = try ListeningSocket.open(spec, unixMode: configuration.socketMode) } catch {
            throw ValidationError("--admin-listen \(text): \(error)")
        }
        for socket in trial {
            close(socket.fd)
            if let path = socket.createdPath { unlink(path) }
        }
    }

    /// Lowers this process's CPU priority by `steps` nice steps (`--admin-nice`) and keeps every thread of it there:
    /// once its threads have started, then once a second (libdispatch gives the threads it adds values of its own). A
    /// failure is logged, not fatal: the admin server then runs at the workers' priority. With 0 steps its threads are
    /// held level with the workers (libdispatch would run some of them above).
    static func lowerPriority(by steps: Int, logger: Logger) {
        let priority: ThreadPriority
        do { priority = try ThreadPriority.lower(by: Int32(steps)) } catch {
            logger.warning(
                "admin server cannot lower its CPU priority; it runs at the workers' priority",
                metadata: ["error": "\(error)"])
            return
        }
        do {
            try DetachedThread.start {
                // Never the thread a signal is delivered to: SIGTERM is the server's, through its own threads.
                var every = sigset_t()
                sigfillset(&every)
                pthread_sigmask(SIG_BLOCK, &every, nil)
                while true {
                    _ = try? priority.holdEveryThread()
                    sleep(1)
                }
            }
        } catch {
            logger.warning(
                "admin server cannot hold its threads at a lower CPU priority", metadata: ["error": "\(error)"])
        }
    }

    /// The admin server process: the admin API on `--admin-listen`, writing through the same store as the CLI (the
    /// PostgreSQL key store with `--keys-from`, else `--db`).
    static func runAdminServer(
        _ configuration: WorkerConfiguration, readyFD: CInt?, metricsFD: CInt?, metricsSlot: Int?, logger: Logger
    ) throws {
        // Below the workers' CPU priority before any thread starts (a thread inherits its creator's nice value):
        // on a machine short of CPU, decisions run first and the admin API takes what is left.
        Self.lowerPriority(by: configuration.adminNice, logger: logger)
        guard let text = configuration.adminListen,
            let spec = try? ServeConfiguration.parsingAdminListener(text, workerCount: 1).spec
        else {
            logger.critical("admin server started without a usable --admin-listen")
            throw ExitCode(78)
        }
        let address: AdminServer.Address
        switch spec.address {
        case .tcp(let host, let port): address = .tcp(host: "\(host)", port: Int(port))
        case .unix(let path): address = .unix(path: path)
        default:
            logger.critical("admin server: --admin-listen \(text) is not a TCP address or unix socket")
            throw ExitCode(78)
        }
        let store: any KeyStoring
        let location = configuration.keysFrom ?? configuration.databasePath
        do {
            switch DatabaseLocation(location) {
            case .postgres(let url):
                store = try PostgresKeyStore(
                    url: url, create: false, answerDeadlineMillis: 5_000, applicationName: "keygate admin")
            case .sqlite(let path):
                store = try KeyStore(path: path, create: false)
            case .unsupported(let scheme):
                throw CLIError("the key store \(scheme)://… is neither SQLite nor PostgreSQL")
            }
        } catch {
            logger.critical(
                "admin server cannot open the key store",
                metadata: ["store": "\(PostgresURL.redacting(location))", "error": "\(error)"])
            throw ExitCode(78)
        }
        // With --metrics-listen, the decisions counted in the shared metrics (read, never written, here).
        var decisionCounts: (@Sendable () -> [(outcome: String, count: UInt64)])?
        let metricsTable = metricsFD.flatMap { try? MetricsTable(inheritedDescriptor: $0) }
        if let table = metricsTable {
            let shared = SharedMetrics(table)
            decisionCounts = {
                let totals = shared.table.totals()
                return Outcome.allCases.map { ($0.rawValue, totals.decisions($0)) }
            }
        }
        // Verify decides through the same files as the workers: a gate of its own over them.
        let gate: Gate
        do { gate = try Worker.gate(configuration, logger: logger).gate } catch {
            logger.critical("admin server cannot open the decision path", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        // Verify's decisions are counted in the admin server's own slot, like a worker's (the table stays mapped:
        // decisionCounts holds it for as long as the API runs).
        if let metricsTable, let metricsSlot { gate.metrics = metricsTable.slot(metricsSlot) }
        let decider = AdminGate(gate)
        var keyLimit = AdminAPI.perKeyRate
        if let spec = configuration.adminKeyLimit {
            do { keyLimit = try ServeConfiguration.adminKeyLimit(spec) } catch {
                logger.critical("admin server refuses its configuration", metadata: ["error": "\(error)"])
                throw ExitCode(78)
            }
        }
        let api = try AdminAPI(
            store: store, logger: logger, decisionCounts: decisionCounts,
            verifier: { request, nowMicros in decider.decide(request, nowMicros: nowMicros) },
            limitReader: { key, nowMicros in decider.limitState(of: key, nowMicros: nowMicros) },
            perKeyLimit: keyLimit)
        let readyPipe = readyFD
        do {
            try AdminServer.run(address: address, api: api, logger: logger) {
                guard let readyPipe else { return }
                var byte: UInt8 = 0x52
                _ = write(readyPipe, &byte, 1)
                close(readyPipe)
            }
        } catch {
            logger.critical("admin server stopped", metadata: ["listen": "\(text)", "error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("admin server stopped")
    }
}

/// The shared metrics table, read from the admin server's tasks (its words are atomics; reading needs no lock).
private final class SharedMetrics: @unchecked Sendable {
    let table: MetricsTable

    init(_ table: MetricsTable) { self.table = table }
}

/// The admin server's gate, used by one request at a time (the admin API runs under a lock).
private final class AdminGate: @unchecked Sendable {
    let gate: Gate

    init(_ gate: Gate) { self.gate = gate }

    func decide(_ request: AuthRequest, nowMicros: Int64) -> (decision: Decision, answer: AuthAnswer) {
        self.gate.decidingAndAnswering(request, nowMicros: nowMicros)
    }

    func limitState(of key: KeyRecord, nowMicros: Int64) -> PolicySetEvaluation? {
        self.gate.limitState(of: key, nowMicros: nowMicros)
    }
}
