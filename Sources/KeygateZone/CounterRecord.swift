import KeygateCore
import Synchronization

/// A view of one key's 128-byte record in the counters file, with a named accessor per word (``CounterRecordWord``).
///
/// The view owns nothing: it reads and writes the words of a ``CounterTable``'s mapping, which outlives it. Words are
/// atomics, loaded and stored relaxed; the record's lease (held through ``Lease``) orders a critical section's reads
/// and writes against other processes'.
struct CounterRecord {
    /// Bytes per record.
    static let byteCount = CounterRecordWord.count * 8

    /// The record's first word, inside a live mapping.
    let base: UnsafeMutablePointer<Atomic<UInt64>>

    init(_ base: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.base = base
    }

    /// The lease word, for ``Lease/acquire(_:)`` and ``Lease/release(_:token:)``.
    var lease: UnsafeMutablePointer<Atomic<UInt64>> { self.base + CounterRecordWord.lease.rawValue }

    /// The value of `word`.
    subscript(word: CounterRecordWord) -> UInt64 {
        get { self.base[word.rawValue].load(ordering: .relaxed) }
        nonmutating set { self.base[word.rawValue].store(newValue, ordering: .relaxed) }
    }

    /// The fingerprint of the key whose state the record holds (``CounterTable/fingerprint(of:)``); 0 if none yet.
    var owner: UInt64 {
        get { self[.owner] }
        nonmutating set { self[.owner] = newValue }
    }

    /// Requests admitted since the file was created (wrapping).
    var admitted: UInt64 { self[.admitted] }
    /// Requests rejected since the file was created (wrapping).
    var rejected: UInt64 { self[.rejected] }

    /// The admitted count as of the last roll-up into SQLite.
    var rolledAdmitted: UInt64 {
        get { self[.rolledAdmitted] }
        nonmutating set { self[.rolledAdmitted] = newValue }
    }

    /// The rejected count as of the last roll-up into SQLite.
    var rolledRejected: UInt64 {
        get { self[.rolledRejected] }
        nonmutating set { self[.rolledRejected] = newValue }
    }

    /// Counts one admitted request.
    func countAdmitted() {
        self.base[CounterRecordWord.admitted.rawValue].wrappingAdd(1, ordering: .relaxed)
    }

    /// Counts one rejected request.
    func countRejected() {
        self.base[CounterRecordWord.rejected.rawValue].wrappingAdd(1, ordering: .relaxed)
    }

    /// Zeroes every word but the lease: policy state, counts, roll-up marks and owner.
    func clearAllButLease() {
        for word in CounterRecordWord.allCases where word != .lease { self[word] = 0 }
    }
}
