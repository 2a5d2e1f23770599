import KeygateCore

extension CounterRecordWord: SharedRecordWord {}

/// A view of one key's 128-byte record in the counters file, with a named accessor per word (``CounterRecordWord``).
typealias CounterRecord = SharedRecord<CounterRecordWord>

extension SharedRecord where Word == CounterRecordWord {
    /// Bytes per record.
    static var byteCount: Int { CounterRecordWord.count * 8 }

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
    func countAdmitted() { self.increment(.admitted) }

    /// Counts one rejected request.
    func countRejected() { self.increment(.rejected) }

    /// Zeroes every word but the lease: policy state, counts, roll-up marks and owner.
    func clearAllButLease() {
        for word in CounterRecordWord.allCases where word != .lease { self[word] = 0 }
    }
}
