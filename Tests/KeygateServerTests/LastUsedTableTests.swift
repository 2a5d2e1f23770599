import Glibc
import KeygateSystem
import Testing

@testable import KeygateZone

struct LastUsedTableTests {
    @Test func recordsTheLatestTimeAndSharesItThroughTheFile() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let writer = try LastUsedTable(path: path, capacity: 16)
        let reader = try LastUsedTable(path: path, capacity: 16)
        #expect(writer.record(slot: 3, seconds: 100))
        #expect(writer.record(slot: 3, seconds: 90))  // older times never move it back
        #expect(reader.seconds(slot: 3) == 100)
        #expect(!writer.record(slot: 16, seconds: 100))
        #expect(!writer.record(slot: -1, seconds: 100))
        var snapshot = [Int64](repeating: 0, count: 16)
        let changes = reader.changes(since: &snapshot)
        #expect(changes.count == 1)
        #expect(changes.first?.slot == 3 && changes.first?.seconds == 100)
        #expect(reader.changes(since: &snapshot).isEmpty)
        var status = stat()
        stat(path, &status)
        #expect(status.st_mode & 0o777 == 0o600)
    }

    @Test func aFileOfAnotherGeometryIsRefusedUnlessRebuilt() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let first = try LastUsedTable(path: path, capacity: 16)
        first.record(slot: 1, seconds: 5)
        #expect(throws: SystemCallError.self) { try LastUsedTable(path: path, capacity: 32) }
        do {
            _ = try LastUsedTable(path: path, capacity: 32)
        } catch {
            #expect(error.description.contains("--rebuild-state"))
        }
        let rebuilt = try LastUsedTable(path: path, capacity: 32, rebuild: true)
        #expect(rebuilt.seconds(slot: 1) == 0)
    }

    @Test func garbageIsRefused() throws {
        let path = temporaryPath()
        defer { unlink(path) }
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        let junk = [UInt8](repeating: 0xAB, count: 200)
        _ = junk.withUnsafeBytes { write(fd, $0.baseAddress, 200) }
        close(fd)
        #expect(throws: SystemCallError.self) { try LastUsedTable(path: path, capacity: 16) }
    }
}
