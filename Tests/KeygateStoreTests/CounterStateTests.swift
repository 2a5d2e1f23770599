import KeygateStore
import Testing

/// The counters file's recorded id and the per-slot snapshots a roll-up stores for a rebuild.
struct CounterStateTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    @Test func theCountersFileIdIsRecordedAndReadReadOnly() throws {
        let store = try KeyStore(path: self.path, create: true)
        #expect(try KeyStore.recordedCountersFileID(path: self.path) == nil)
        try store.recordCountersFileID(0xFEDC_BA98_7654_3210)  // above Int64.max: stored by bit pattern
        #expect(try KeyStore.recordedCountersFileID(path: self.path) == 0xFEDC_BA98_7654_3210)
        try store.recordCountersFileID(7)
        #expect(try KeyStore.recordedCountersFileID(path: self.path) == 7)
    }

    @Test func aRollUpStoresUsageAndSnapshotsThatReadBackWithTheSlotsKey() throws {
        let store = try KeyStore(path: self.path, create: true)
        let key = try store.create(NewKey(name: "a"), now: 1_800_000_000, actor: "t").record
        let words: [UInt64] = (0..<16).map { $0 == 8 ? UInt64.max - 3 : UInt64($0) << 40 }
        try store.recordRollUp(
            usage: [(keyID: key.id, day: "2026-11-30", admitted: 3, rejected: 1)],
            snapshots: [
                CounterSnapshot(slot: key.slot, owner: UInt64.max, words: words, savedAtSeconds: 1_800_000_010),
                CounterSnapshot(slot: 9, owner: 5, words: words, savedAtSeconds: 1_800_000_010),
            ])
        #expect(try store.usage(keyID: key.id, sinceDay: nil).map(\.admitted) == [3])
        // A later roll-up replaces the slot's snapshot.
        try store.recordRollUp(
            usage: [],
            snapshots: [CounterSnapshot(slot: 9, owner: 6, words: words.reversed(), savedAtSeconds: 1_800_000_020)])
        let snapshots = try store.counterSnapshots()
        #expect(
            snapshots == [
                CounterSnapshot(
                    slot: key.slot, owner: UInt64.max, words: words, savedAtSeconds: 1_800_000_010,
                    currentKeyID: key.id),
                CounterSnapshot(slot: 9, owner: 6, words: words.reversed(), savedAtSeconds: 1_800_000_020),
            ])
    }
}
