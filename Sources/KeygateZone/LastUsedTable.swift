import KeygateSystem
import Synchronization

/// When each key was last used, one atomic word per key slot, shared by every worker through a ``Mapping``.
///
/// Workers write with an atomic max, at most once per second per key; the supervisor reads and flushes to SQLite.
public final class LastUsedTable: @unchecked Sendable {
    public static let magic: UInt64 = 0x3144_4553_5547_4B  // "KGUSED1" little-endian
    public static let layoutVersion: UInt32 = 1

    public let mapping: Mapping
    public let capacity: Int
    private let slots: UnsafeMutablePointer<Atomic<UInt64>>

    /// Maps (creating if needed) the table at `path` with room for `capacity` key slots.
    public init(path: String, capacity: Int, rebuild: Bool = false) throws(SystemCallError) {
        precondition(capacity > 0, "capacity must be positive")
        let header = Mapping.Header(
            magic: Self.magic, layoutVersion: Self.layoutVersion,
            byteCount: UInt64(Mapping.Header.size + capacity * 8), capacity: UInt64(capacity))
        self.mapping = try Mapping(path: path, expecting: header, rebuild: rebuild)
        self.capacity = capacity
        self.slots = (self.mapping.base + Mapping.Header.size).bindMemory(to: Atomic<UInt64>.self, capacity: capacity)
    }

    /// Raises slot's time to `seconds` unless it is already there or later; out-of-range slots are ignored (returns false).
    @discardableResult
    public func record(slot: Int, seconds: Int64) -> Bool {
        guard slot >= 0, slot < self.capacity, seconds > 0 else { return false }
        let word = self.slots + slot
        let target = UInt64(seconds)
        var current = word.pointee.load(ordering: .relaxed)
        while current < target {
            let (exchanged, seen) = word.pointee.weakCompareExchange(
                expected: current, desired: target, ordering: .relaxed)
            if exchanged { return true }
            current = seen
        }
        return true
    }

    /// The last-used time of `slot` in seconds, 0 if never.
    public func seconds(slot: Int) -> Int64 {
        precondition(slot >= 0 && slot < self.capacity, "slot \(slot) out of range 0..<\(self.capacity)")
        return Int64(self.slots[slot].load(ordering: .relaxed))
    }

    /// Slots whose time differs from `previous` (same length as capacity), with their times; updates `previous`.
    public func changes(since previous: inout [Int64]) -> [(slot: Int, seconds: Int64)] {
        precondition(previous.count == self.capacity, "snapshot size mismatch")
        var changed: [(slot: Int, seconds: Int64)] = []
        for slot in 0..<self.capacity {
            let value = Int64(self.slots[slot].load(ordering: .relaxed))
            if value != previous[slot] {
                previous[slot] = value
                changed.append((slot, value))
            }
        }
        return changed
    }
}
