import KeygateCore

/// A worker's bounded map from a presented secret (by its ``SecretFingerprint`` in the gate) to what the lookup found,
/// with CLOCK replacement.
///
/// Found keys and unknown secrets (misses) live in two separate rings of fixed size, so a spray of random
/// well-formed keys only ever replaces other misses, never a found key. Each ring replaces with CLOCK (second
/// chance): a hit sets the entry's reference bit, and an insertion into a full ring advances the ring's hand, clearing
/// bits, until it finds an entry whose bit is clear. Every operation but ``removeEntries(ofKeys:)`` is O(1), and
/// none allocates after `init`: the slot arrays and the index are sized once for the whole capacity.
///
/// Each entry remembers the id of the key it found, so that a change to that key drops its entries (all of its
/// secrets) and nothing else. Not thread-safe: one per worker.
public final class KeyCache<Index: Hashable, Entry: AnyObject> {
    /// One ring's slots, `start..<start + capacity` in the slot arrays.
    struct Ring {
        let start: Int
        let capacity: Int
        /// Slots handed out so far; slots below `start + used` are occupied or in `free`.
        var used = 0
        /// The next slot CLOCK looks at.
        var hand: Int
        /// Slots emptied by a removal, reused before anything is replaced.
        var free: [Int] = []

        init(start: Int, capacity: Int) {
            self.start = start
            self.capacity = capacity
            self.hand = start
            self.free.reserveCapacity(capacity)
        }

        /// Forgets every slot handed out (the caller has emptied them).
        mutating func reset() {
            self.used = 0
            self.hand = self.start
            self.free.removeAll(keepingCapacity: true)
        }
    }

    // Read on every request by the one thread that owns the cache, never passed `inout` into a call that could reach
    // them again: the runtime's dynamic exclusivity check on the hot three would find nothing, so it is skipped.

    /// Slot of each cached index.
    @exclusivity(unchecked) private var index: [Index: Int] = [:]
    /// The index of each slot's entry; meaningful only where `entries` holds one.
    private var indices: [Index?]
    @exclusivity(unchecked) private var entries: [Entry?]
    /// The id of the key each slot's entry found; `nil` for a miss or an empty slot.
    private var keyIDs: [String?]
    @exclusivity(unchecked) private var referenced: [Bool]
    private var found: Ring
    private var unknown: Ring
    /// Entries replaced to make room (not those dropped by a removal).
    public private(set) var evictions = 0

    /// A cache of at most `foundCapacity` found keys and `unknownCapacity` unknown secrets (each at least 1).
    public init(foundCapacity: Int, unknownCapacity: Int) {
        precondition(foundCapacity >= 1 && unknownCapacity >= 1, "a key cache needs room in both rings")
        let total = foundCapacity + unknownCapacity
        self.found = Ring(start: 0, capacity: foundCapacity)
        self.unknown = Ring(start: foundCapacity, capacity: unknownCapacity)
        self.indices = [Index?](repeating: nil, count: total)
        self.entries = [Entry?](repeating: nil, count: total)
        self.keyIDs = [String?](repeating: nil, count: total)
        self.referenced = [Bool](repeating: false, count: total)
        self.index.reserveCapacity(total)
    }

    /// A cache of `capacity` entries in all, a tenth of them (at least one) for unknown secrets.
    public convenience init(capacity: Int) {
        precondition(capacity >= 2, "a key cache needs room for a found key and an unknown secret")
        let unknown = max(1, capacity / 10)
        self.init(foundCapacity: capacity - unknown, unknownCapacity: unknown)
    }

    /// The number of cached entries.
    public var count: Int { self.index.count }

    /// The entry cached for `index`, marked as recently used; `nil` if none is.
    @inline(__always)
    public func entry(for index: Index) -> Entry? {
        guard let slot = self.index[index] else { return nil }
        self.referenced[slot] = true
        return self.entries[slot]
    }

    /// Caches `entry` for `index`: a found key when `keyID` is set, a miss when it is `nil`.
    ///
    /// Replaces the entry already cached for `index`, if any; in a full ring, replaces the entry CLOCK picks.
    public func insert(_ entry: Entry, for index: Index, keyID: String?) {
        if let slot = self.index[index] { self.empty(slot) }
        let slot = keyID == nil ? self.take(&self.unknown) : self.take(&self.found)
        self.index[index] = slot
        self.indices[slot] = index
        self.entries[slot] = entry
        self.keyIDs[slot] = keyID
        self.referenced[slot] = false
    }

    /// Drops the entry of `index`, if cached; returns whether one was.
    @discardableResult
    public func remove(_ index: Index) -> Bool {
        guard let slot = self.index[index] else { return false }
        self.empty(slot)
        return true
    }

    /// Drops every entry that found one of the keys `ids` (one entry per secret of a key that was presented);
    /// returns how many.
    ///
    /// One scan of the found ring: O(capacity), for the rare request that follows a change to some key.
    @discardableResult
    public func removeEntries(ofKeys ids: Set<String>) -> Int {
        guard !ids.isEmpty else { return 0 }
        var removed = 0
        for slot in self.found.start..<self.found.start + self.found.used {
            guard let id = self.keyIDs[slot], ids.contains(id) else { continue }
            self.empty(slot)
            removed += 1
        }
        return removed
    }

    /// Drops every entry, found or miss, for which `drops` is true; returns how many.
    ///
    /// One scan of both rings: O(capacity), for the rare request that follows a change to some secret.
    @discardableResult
    public func removeEntries(where drops: (Entry) -> Bool) -> Int {
        var removed = 0
        for ring in [self.found, self.unknown] {
            for slot in ring.start..<ring.start + ring.used {
                guard let entry = self.entries[slot], drops(entry) else { continue }
                self.empty(slot)
                removed += 1
            }
        }
        return removed
    }

    /// Drops every entry, keeping the storage.
    public func removeAll() {
        for slot in self.entries.indices where self.entries[slot] != nil {
            self.entries[slot] = nil
            self.indices[slot] = nil
            self.keyIDs[slot] = nil
            self.referenced[slot] = false
        }
        self.index.removeAll(keepingCapacity: true)
        self.found.reset()
        self.unknown.reset()
    }

    /// A slot of `ring` for a new entry: a free one, a never used one, or the one CLOCK evicts.
    private func take(_ ring: inout Ring) -> Int {
        if let slot = ring.free.popLast() { return slot }
        if ring.used < ring.capacity {
            ring.used += 1
            return ring.start + ring.used - 1
        }
        // Every slot is occupied here; after one turn every bit is clear, so two turns always find a victim.
        for _ in 0..<(2 * ring.capacity) {
            let slot = ring.hand
            ring.hand = slot + 1 == ring.start + ring.capacity ? ring.start : slot + 1
            if self.referenced[slot] {
                self.referenced[slot] = false
                continue
            }
            self.index[self.indices[slot]!] = nil
            self.indices[slot] = nil
            self.entries[slot] = nil
            self.keyIDs[slot] = nil
            self.evictions += 1
            return slot
        }
        preconditionFailure("CLOCK found no victim in two turns of a full ring")
    }

    /// Empties an occupied `slot` and hands it back to its ring.
    private func empty(_ slot: Int) {
        self.index[self.indices[slot]!] = nil
        self.indices[slot] = nil
        self.entries[slot] = nil
        self.keyIDs[slot] = nil
        self.referenced[slot] = false
        if slot < self.unknown.start {
            self.found.free.append(slot)
        } else {
            self.unknown.free.append(slot)
        }
    }
}
