import KeygateCore
import Testing

/// The startup decision about the counters file: never silently replace a file that counted spending.
struct CountersFileDecisionTests {
    func deciding(_ recorded: UInt64?, _ file: SharedFileState, rebuild: Bool = false) -> CountersFileDecision {
        CountersFileDecision.deciding(recorded: recorded, file: file, rebuild: rebuild, path: "k.db.counters")
    }

    @Test func aFirstStartCreatesAndAnUnrecordedFileIsAdopted() {
        #expect(self.deciding(nil, .missing) == .create)
        #expect(self.deciding(nil, .empty) == .create)
        #expect(self.deciding(nil, .present(fileID: 0)) == .adopt)
        #expect(self.deciding(nil, .present(fileID: 42)) == .adopt)
    }

    @Test func theRecordedFileIsOpened() {
        #expect(self.deciding(42, .present(fileID: 42)) == .open)
    }

    @Test(arguments: [
        (SharedFileState.missing, "k.db.counters is missing"), (.empty, "k.db.counters is empty (truncated)"),
        (.present(fileID: 43), "not the counters file this database counted with (file id 2b, expected 2a)"),
        (.present(fileID: 0), "(file id 0, expected 2a)"),
    ])
    func aRecordedFileThatIsGoneOrReplacedIsRefused(_ file: SharedFileState, _ says: String) throws {
        guard case .refuse(let message) = self.deciding(42, file) else {
            Issue.record("not refused: \(file)")
            return
        }
        #expect(message.contains(says), "\(message)")
        #expect(message.contains("spent credits and rate limits would be granted again"))
        #expect(message.contains("--rebuild-state"))
    }

    @Test func anotherLayoutIsRefusedWithOrWithoutARecord() {
        for recorded in [nil, UInt64(42)] {
            #expect(
                self.deciding(recorded, .incompatible("it has capacity 8"))
                    == .refuse("k.db.counters: it has capacity 8. Move the file away or start with --rebuild-state"))
        }
    }

    @Test func aRebuildIsDoneWhateverIsThere() {
        for file in [SharedFileState.missing, .empty, .incompatible("x"), .present(fileID: 1), .present(fileID: 42)] {
            #expect(self.deciding(42, file, rebuild: true) == .rebuild)
            #expect(self.deciding(nil, file, rebuild: true) == .rebuild)
        }
    }
}
