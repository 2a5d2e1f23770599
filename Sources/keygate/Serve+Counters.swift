import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem
import KeygateZone

extension Serve {
    /// Makes sure the counters file at `path` is the one the database counted with, or creates, adopts or rebuilds
    /// it as ``CountersFileDecision`` says, records its id, and returns it mapped (workers insist on its id).
    ///
    /// Throws a ``CLIError`` that says what happened and what to do when starting would grant spent counts again.
    static func pairCounters(path: String, capacity: Int, database: String, rebuild: Bool) throws -> CounterTable {
        let recorded: UInt64?
        let file: SharedFileState
        do {
            recorded = try KeyStore.recordedCountersFileID(path: database)
            file = try Mapping.probe(path: path, expecting: CounterTable.header(capacity: capacity))
        } catch {
            throw CLIError("--counters: \(error)")
        }
        let decision = CountersFileDecision.deciding(recorded: recorded, file: file, rebuild: rebuild, path: path)
        let opening: Mapping.Opening
        switch decision {
        case .refuse(let message): throw CLIError("--counters: \(message)")
        case .open: opening = .existing(fileID: recorded ?? 0)
        case .create, .adopt: opening = .openOrCreate
        case .rebuild: opening = .fresh
        }
        let table: CounterTable
        do {
            table = try CounterTable(path: path, capacity: capacity, opening: opening)
        } catch {
            throw CLIError("--counters: \(error)")
        }
        if decision == .rebuild {
            try Self.restoreCounters(table, database: database)
        } else if table.mapping.created {
            try Self.seedQuotas(table, database: database)
        }
        if recorded != table.mapping.fileID {
            do {
                try KeyStore(path: database, create: false).recordCountersFileID(table.mapping.fileID)
            } catch {
                let warning =
                    "keygate: warning: cannot record the counters file's id in \(database) (\(error)); "
                    + "a lost or replaced counters file will not be noticed at startup\n"
                _ = warning.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
            }
        }
        return table
    }

    /// Restores every snapshot whose slot still belongs to the key it was taken for (rate limits, quotas, credits as
    /// of the last roll-up), then seeds the quotas of keys without one from `usage_daily`.
    static func restoreCounters(_ table: CounterTable, database: String) throws {
        let store: KeyStore
        do { store = try KeyStore(path: database, create: false) } catch { return }  // read-only: nothing to restore
        var restored = Set<Int>()
        for snapshot in try store.counterSnapshots()
        where snapshot.slot < table.capacity && snapshot.words.count == CounterTable.wordsPerRecord {
            guard let keyID = snapshot.currentKeyID, CounterTable.fingerprint(of: keyID) == snapshot.owner else {
                continue  // the key was deleted and its slot reused: its words are not the new key's
            }
            table.restorePolicy(slot: snapshot.slot, owner: snapshot.owner, words: snapshot.words)
            restored.insert(snapshot.slot)
        }
        try Self.seedQuotas(table, database: database, skipping: restored)
    }
}
