import KeygateCore
import Synchronization

/// The names of a shared-file record's 64-bit words: a record layout, one case per word at its position.
protocol SharedRecordWord: RawRepresentable<Int>, CaseIterable {
    /// The word holding the record's lease (``Lease``).
    static var lease: Self { get }
}

/// A view of one record of a shared file, its words named by `Word` (like the fields of nginx's
/// `ngx_http_limit_req_node_t`): ``CounterRecord`` and ``IPEntry``.
///
/// The view owns nothing: it reads and writes the words of a table's mapping, which outlives it. Words are atomics,
/// loaded and stored relaxed; the record's lease (held through ``Lease``) orders a critical section's reads and
/// writes against other processes'.
struct SharedRecord<Word: SharedRecordWord> {
    /// The record's first word, inside a live mapping.
    let base: UnsafeMutablePointer<Atomic<UInt64>>

    init(_ base: UnsafeMutablePointer<Atomic<UInt64>>) {
        self.base = base
    }

    /// The lease word, for ``Lease/acquire(_:)`` and ``Lease/release(_:token:)``.
    var lease: UnsafeMutablePointer<Atomic<UInt64>> { self.base + Word.lease.rawValue }

    /// The value of `word`.
    subscript(word: Word) -> UInt64 {
        get { self.base[word.rawValue].load(ordering: .relaxed) }
        nonmutating set { self.base[word.rawValue].store(newValue, ordering: .relaxed) }
    }

    /// Adds one to `word`, wrapping.
    func increment(_ word: Word) {
        self.base[word.rawValue].wrappingAdd(1, ordering: .relaxed)
    }
}
