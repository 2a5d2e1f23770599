import KeygateCore
import Testing

@testable import KeygateStore

struct WALChangeWatchTests {
    @Test func seesEveryCommitOfAnotherConnectionAndNothingElse() throws {
        let scratch = ScratchDirectory()
        let path = scratch.file("keys.db")
        let store = try KeyStore(path: path, create: true)
        let (record, _) = try store.create(NewKey(name: "a"), now: 1_000, actor: "test")
        let lookup = try KeyLookup(path: path)
        _ = try lookup.dataVersion()
        let watch = try #require(WALChangeWatch(databasePath: path))
        #expect(!watch.changed())
        for round in 0..<20 {
            _ = try store.update(id: record.id, KeyUpdate(name: "name \(round)"), now: 1_001, actor: "test")
            #expect(watch.changed(), "commit \(round) went unnoticed")
            #expect(!watch.changed())
        }
        // Reads, by anyone, change nothing.
        _ = try store.list(includeRevoked: true)
        _ = try lookup.dataVersion()
        #expect(!watch.changed())
        _ = try store.revoke(id: record.id, now: 1_002, actor: "test")
        #expect(watch.changed())
    }

    @Test func absentOrForeignFilesGiveNoWatch() throws {
        let scratch = ScratchDirectory()
        #expect(WALChangeWatch(databasePath: scratch.file("nothing.db")) == nil)
    }
}
