import KeygateCore
import KeygateServer
import KeygateStore
import KeygateZone

/// The shared files of a ``ServeConfiguration``, prepared once by the process that starts serving, and the worker
/// configuration that names them as prepared.
struct PreparedServe {
    /// ``ServeConfiguration/worker`` with the counters file's id recorded and an unusable state file turned off.
    var worker: WorkerConfiguration
    /// The counters file, checked against the id recorded in SQLite (or created, adopted or rebuilt).
    var counters: CounterTable?
    /// The last-used table, when it could be opened.
    var lastUsed: LastUsedTable?
    /// Optional files that cannot be used: logged once, by the process that prepared them.
    var warnings: [OptionalFileWarning] = []
}

extension Serve {
    /// Checks that the database opens read-only at this build's schema, then creates or checks the counters, per-IP
    /// and state files; errors name the option to fix (and its config-file line, from `input`).
    ///
    /// Runs once in the supervisor (and on each reload), or in the single process under mod_fcgid: workers never
    /// repeat it. On a reload (`reloading`) `--rebuild-state` is not acted on again: the running files are the rebuilt
    /// ones.
    static func prepare(
        _ configuration: ServeConfiguration, locatingErrorsWith input: ServeInput, reloading: Bool
    ) throws -> PreparedServe {
        do {
            return try Self.prepare(configuration, rebuild: configuration.rebuildState && !reloading)
        } catch {
            throw CLIError(input.locating(error))
        }
    }

    private static func prepare(_ configuration: ServeConfiguration, rebuild: Bool) throws -> PreparedServe {
        var prepared = PreparedServe(worker: configuration.worker)
        let database = configuration.worker.databasePath
        // Fail now, not at the first request: the database must exist, be readable and at this build's schema.
        do {
            _ = try KeyLookup(path: database)
        } catch {
            throw CLIError("--db \(database): cannot serve from it: \(error)")
        }
        if let path = configuration.worker.countersPath {
            let table = try Self.pairCounters(
                path: path, capacity: configuration.worker.countersCapacity, database: database, rebuild: rebuild)
            prepared.counters = table
            prepared.worker.countersFileID = table.mapping.fileID
        }
        try Self.prepareCluster(configuration.worker)
        if let path = configuration.worker.ipTablePath {
            do {
                _ = try IPTable(path: path, capacity: configuration.worker.ipTableCapacity, rebuild: rebuild)
            } catch {
                throw CLIError("--ip-table-size: \(error)")
            }
        }
        // The last-used table is optional: a file this user cannot open (say, created by root and opened by Apache's
        // www-data copy) costs last-used times, with one warning, never a request.
        if let path = configuration.worker.lastUsedPath {
            do {
                prepared.lastUsed = try LastUsedTable(
                    path: path, capacity: configuration.worker.lastUsedCapacity, rebuild: rebuild)
            } catch {
                prepared.warnings.append(
                    OptionalFileWarning(
                        path: path, error: error, consequence: "serving without last-used times",
                        disablingOption: "--state off"))
                prepared.worker.lastUsedPath = nil  // warned once here, not again per worker
            }
        }
        return prepared
    }
}
