/// Leases this process gave up waiting for, so that later requests for the same record fail at once.
///
/// A process stopped inside a critical section keeps its lease until it runs again (it is alive, so it is never taken
/// over). The first request that meets it waits the full bound; the memo makes every later one that finds the same
/// lease word on the same record fail without waiting, so a stopped process cannot slow every other event loop. The
/// owner's liveness is asked again once an entry is ``recheckMillis`` old. Entries are few: a process holds at most
/// one lease at a time, so only as many records as there are stuck processes can be held.
public struct StuckLeaseMemo: Sendable {
    public static let capacity = 4
    public static let recheckMillis: Int64 = 100

    /// What the memo knows of a record whose lease word is `word` now.
    public enum Verdict: Sendable, Equatable {
        /// Not remembered: wait for it as usual.
        case unknown
        /// Given up on recently: fail now.
        case stuck
        /// Given up on, but long enough ago that the owner's liveness should be asked again.
        case recheck
    }

    private struct Entry: Sendable {
        var record: Int
        var word: UInt64
        var checkedMillis: Int64
    }

    private var entries: [Entry] = []

    public init() {}

    public var isEmpty: Bool { self.entries.isEmpty }
    public var count: Int { self.entries.count }

    /// The verdict for `record` held under `word` at `nowMillis`; an entry for another word is dropped (the stuck owner
    /// released it).
    public mutating func verdict(record: Int, word: UInt64, nowMillis: Int64) -> Verdict {
        guard let index = self.entries.firstIndex(where: { $0.record == record }) else { return .unknown }
        guard self.entries[index].word == word else {
            self.entries.remove(at: index)
            return .unknown
        }
        return nowMillis - self.entries[index].checkedMillis < Self.recheckMillis ? .stuck : .recheck
    }

    /// Notes at `nowMillis` that `record`'s lease, held under `word`, is stuck (new, or rechecked and still alive).
    public mutating func remember(record: Int, word: UInt64, nowMillis: Int64) {
        if let index = self.entries.firstIndex(where: { $0.record == record }) {
            self.entries[index] = Entry(record: record, word: word, checkedMillis: nowMillis)
            return
        }
        if self.entries.count >= Self.capacity {
            // Full: the entry checked longest ago goes (it would be rechecked first anyway).
            let oldest = self.entries.indices.min { self.entries[$0].checkedMillis < self.entries[$1].checkedMillis }!
            self.entries.remove(at: oldest)
        }
        self.entries.append(Entry(record: record, word: word, checkedMillis: nowMillis))
    }

    /// Drops what is known of `record` (this process holds its lease now).
    public mutating func forget(record: Int) {
        self.entries.removeAll { $0.record == record }
    }
}
