import ArgumentParser
import Glibc
import KeygateCluster
import KeygateServer
import KeygateSystem
import KeygateZone
import Logging

extension Serve {
    /// Creates (or keeps) the lease table next to the counters file and checks Redis answers and takes keygate's
    /// function library, so that a wrong address or an old Redis fails at startup, not at the first request.
    static func prepareCluster(_ worker: WorkerConfiguration) throws {
        guard let url = worker.limitsFrom, let path = worker.clusterLeasesPath else { return }
        let address = try RedisAddress(parsing: url)
        do {
            let table = try ClusterLeaseTable(
                path: path, capacity: worker.countersCapacity, opening: .recreatingMismatched)
            table.setFallbackNodes(Int64(worker.clusterMaxNodes))
        } catch {
            throw CLIError("--limits-from: cannot make the lease table: \(error)")
        }
        let connection = RedisConnection(host: address.host, port: address.port)
        defer { connection.close() }
        do {
            try RedisFunctionLibrary(connection: connection, timeoutMillis: 2_000).load()
        } catch {
            throw CLIError("--limits-from \(address.host):\(address.port): \(error)")
        }
    }

    /// The cluster agent the supervisor spawned: leases permits from Redis into the lease table until SIGTERM, then
    /// gives back what the workers did not spend.
    static func runClusterAgent(_ configuration: WorkerConfiguration, readyFD: CInt?, logger: Logger) throws {
        if let readyFD { close(readyFD) }
        guard let url = configuration.limitsFrom, let path = configuration.clusterLeasesPath,
            let countersPath = configuration.countersPath
        else {
            logger.critical("cluster agent started without --limits-from")
            throw ExitCode(78)
        }
        let agent: ClusterAgent
        do {
            let address = try RedisAddress(parsing: url)
            let table = try ClusterLeaseTable(
                path: path, capacity: configuration.countersCapacity, opening: .openOrCreate)
            let counters = try? CounterTable(
                path: countersPath, capacity: configuration.countersCapacity,
                opening: configuration.countersFileID.map { .existing(fileID: $0) } ?? .openOrCreate)
            agent = ClusterAgent(
                settings: ClusterAgent.Settings(
                    nodeID: configuration.clusterNode, maxNodes: Int64(configuration.clusterMaxNodes)),
                table: table, counters: counters, databasePath: configuration.databasePath, redisHost: address.host,
                redisPort: address.port, logger: logger)
        } catch {
            logger.critical("cluster agent cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGINT)
        sigprocmask(SIG_BLOCK, &mask, nil)
        logger.info(
            "cluster agent leasing limits", metadata: ["redis": "\(url)", "node": "\(configuration.clusterNode)"])
        agent.run {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            return sigtimedwait(&mask, nil, &zero) > 0
        }
        logger.info("cluster agent stopped: unspent permits given back")
    }
}
