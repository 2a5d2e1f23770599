import ArgumentParser
import Glibc
import KeygateCluster
import KeygateCore
import KeygateServer
import KeygateSystem
import KeygateZone
import Logging
import Synchronization

extension Serve {
    /// Creates (or keeps) the lease table next to the counters file and checks Redis answers and takes keygate's
    /// function library, so that a wrong address or an old Redis fails at startup, not at the first request.
    static func prepareCluster(_ worker: WorkerConfiguration) throws {
        guard let path = worker.clusterLeasesPath else { return }
        let table: ClusterLeaseTable
        do {
            table = try ClusterLeaseTable(path: path, capacity: worker.countersCapacity, opening: .recreatingMismatched)
            table.setFallbackNodes(Int64(worker.clusterMaxNodes))
        } catch {
            throw CLIError("--limits-from/--keys-from: cannot make the lease table: \(error)")
        }
        if let url = worker.keysFrom {
            // The local file is brought up to date before any worker reads it; an unreachable store fails the start.
            do {
                let mirror = try KeyMirror(
                    url: PostgresURL(url), databasePath: worker.databasePath, table: table,
                    logger: Logger(label: "keygate"))
                try mirror.catchUp()
            } catch {
                throw CLIError("--keys-from \(PostgresURL.redacting(url)): \(error)")
            }
        }
        guard let url = worker.limitsFrom else { return }
        let endpoint = try Self.redisEndpoint(url)
        do {
            let client = try endpoint.client()
            try RedisFunctionLibrary(redis: client, timeoutMillis: 2_000).load()
        } catch {
            throw CLIError("--limits-from \(endpoint): \(error)")
        }
    }

    /// `--limits-from`'s endpoint, or an error naming the option.
    static func redisEndpoint(_ url: String) throws(ConfigurationError) -> RedisEndpoint {
        do { return try RedisEndpoint.parse(url) } catch { throw ConfigurationError("--limits-from: \(error)") }
    }

    /// The cluster agent the supervisor spawned: leases permits from Redis into the lease table until SIGTERM, then
    /// gives back what the workers did not spend.
    static func runClusterAgent(_ configuration: WorkerConfiguration, readyFD: CInt?, logger: Logger) throws {
        if let readyFD { close(readyFD) }
        guard let path = configuration.clusterLeasesPath, let countersPath = configuration.countersPath else {
            logger.critical("cluster agent started without --limits-from or --keys-from")
            throw ExitCode(78)
        }
        let agent: ClusterAgent
        let mirror: KeyMirror?
        let shipper: UsageShipper?
        do {
            let redis = try configuration.limitsFrom.map { url throws(ConfigurationError) in
                try Self.redisEndpoint(url).client()
            }
            let table = try ClusterLeaseTable(
                path: path, capacity: configuration.countersCapacity, opening: .openOrCreate)
            let counters = try? CounterTable(
                path: countersPath, capacity: configuration.countersCapacity,
                opening: configuration.countersFileID.map { .existing(fileID: $0) } ?? .openOrCreate)
            mirror = try configuration.keysFrom.map {
                try KeyMirror(
                    url: PostgresURL($0), databasePath: configuration.databasePath, table: table, logger: logger)
            }
            shipper = configuration.keysFrom.map {
                UsageShipper(
                    url: PostgresURL($0), databasePath: configuration.databasePath, host: configuration.clusterNode,
                    intervalMillis: UsageShipper.intervalMillis(environment: ProcessEnvironment.entries()),
                    logger: logger)
            }
            agent = ClusterAgent(
                settings: ClusterAgent.Settings(
                    nodeID: configuration.clusterNode, maxNodes: Int64(configuration.clusterMaxNodes)),
                table: table, counters: counters, databasePath: configuration.databasePath, redis: redis,
                logger: logger)

        } catch {
            logger.critical("cluster agent cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGINT)
        sigprocmask(SIG_BLOCK, &mask, nil)
        // The mirror and the usage shipper run on threads of their own (blocking on PostgreSQL stalls only them);
        // they inherit the mask above.
        let stopping = Atomic<Bool>(false)
        var threads: [(what: String, body: @Sendable (() -> Bool) -> Void)] = []
        if let mirror { threads.append(("key mirror", { @Sendable stop in mirror.run(stop: stop) })) }
        if let shipper { threads.append(("usage shipper", { @Sendable stop in shipper.run(stop: stop) })) }
        for (what, body) in threads {
            do {
                try DetachedThread.start { body { stopping.load(ordering: .relaxed) } }
            } catch {
                logger.critical("cluster agent cannot start its \(what)", metadata: ["error": "\(error)"])
                throw ExitCode(78)
            }
        }
        logger.info(
            "cluster agent leasing limits",
            metadata: [
                "redis": "\(configuration.limitsFrom.flatMap { try? RedisEndpoint.parse($0).description } ?? "-")",
                "node": "\(configuration.clusterNode)",
                "keys_from": "\(configuration.keysFrom.map(PostgresURL.redacting) ?? "-")",
            ])
        agent.run {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            if sigtimedwait(&mask, nil, &zero) > 0 { stopping.store(true, ordering: .relaxed) }
            return stopping.load(ordering: .relaxed)
        }
        logger.info("cluster agent stopped: unspent permits given back")
    }
}
