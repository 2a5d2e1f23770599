import KeygateCore

/// The words of a 64-byte entry (one cache line) of the per-IP table, by position in the file.
enum IPEntryWord: Int, SharedRecordWord {
    /// The lease (``LeaseWord``).
    case lease = 0
    /// The client address, high 64 bits (``IPAddress/high``).
    case addressHigh = 1
    /// The client address, low 64 bits (``IPAddress/low``).
    case addressLow = 2
    /// The GCRA state of the limit on requests without a valid key.
    case keylessState = 3
    /// The GCRA state of the global per-IP limit.
    case globalState = 4
    /// When the entry was last touched, in microseconds since the epoch; 0 for an empty entry.
    case touchedMicros = 5
    /// Unused, zero.
    case reserved6 = 6
    /// Unused, zero.
    case reserved7 = 7

    /// Words per entry: 8, so an entry is 64 bytes.
    static let count = 8
}

/// A view of one entry of the per-IP table, with a named accessor per word (``IPEntryWord``).
typealias IPEntry = SharedRecord<IPEntryWord>

extension SharedRecord where Word == IPEntryWord {
    /// When the entry was last touched (µs since the epoch), 0 while it is empty.
    var touchedMicros: Int64 {
        get { Int64(bitPattern: self[.touchedMicros]) }
        nonmutating set { self[.touchedMicros] = UInt64(bitPattern: newValue) }
    }

    /// Whether the entry is in use and holds `address`.
    func holds(_ address: IPAddress) -> Bool {
        self.touchedMicros != 0 && self[.addressHigh] == address.high && self[.addressLow] == address.low
    }

    /// The state word of `limit`.
    func state(of limit: IPTable.Limit) -> UInt64 {
        self[Self.word(of: limit)]
    }

    /// Sets the state word of `limit`.
    func setState(_ state: UInt64, of limit: IPTable.Limit) {
        self[Self.word(of: limit)] = state
    }

    /// Gives the entry to `address` with both limits fresh (the touch time is set by the caller's commit).
    func claim(for address: IPAddress) {
        self[.addressHigh] = address.high
        self[.addressLow] = address.low
        self[.keylessState] = 0
        self[.globalState] = 0
    }

    /// The word holding `limit`'s state.
    static func word(of limit: IPTable.Limit) -> IPEntryWord {
        switch limit {
        case .keyless: return .keylessState
        case .global: return .globalState
        }
    }
}
