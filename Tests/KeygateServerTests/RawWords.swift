import Synchronization

/// Zeroed 64-bit words in memory this test owns, seen both as atomics (for a record view) and as plain words, so a
/// test can pin what a view's named accessors do to the raw layout.
final class RawWords {
    let count: Int
    private let raw: UnsafeMutableRawPointer

    init(count: Int) {
        self.count = count
        self.raw = UnsafeMutableRawPointer.allocate(byteCount: count * 8, alignment: 64)
        self.raw.initializeMemory(as: UInt64.self, repeating: 0, count: count)
    }

    deinit { self.raw.deallocate() }

    /// The words as atomics, for a view's `init`.
    var atomics: UnsafeMutablePointer<Atomic<UInt64>> {
        self.raw.bindMemory(to: Atomic<UInt64>.self, capacity: self.count)
    }

    /// Every word, read plainly.
    var words: [UInt64] { (0..<self.count).map { self.raw.load(fromByteOffset: $0 * 8, as: UInt64.self) } }

    /// Word `index`.
    subscript(index: Int) -> UInt64 {
        get { self.raw.load(fromByteOffset: index * 8, as: UInt64.self) }
        set { self.raw.storeBytes(of: newValue, toByteOffset: index * 8, as: UInt64.self) }
    }
}
