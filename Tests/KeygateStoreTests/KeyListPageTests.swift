import KeygateCore
import KeygateStore
import Testing

/// Pages of keys in creation order, read from the creation-time index: every key once across pages, keys made in
/// the same second included, and no sort of every key for a page.
struct KeyListPageTests {
    let scratch = ScratchDirectory()

    @Test func pagesWalkEveryKeyOnceInCreationOrder() throws {
        let store = try KeyStore(path: self.scratch.file("keys.db"), create: true)
        // 25 keys over three seconds, most of them in the same one.
        var made: [String] = []
        for index in 0..<25 {
            let second: Int64 = index < 3 ? 0 : (index < 22 ? 1 : 2)
            made.append(try store.create(NewKey(name: "k\(index)"), now: t0 + second, actor: "a").record.id)
        }
        var seen: [String] = []
        var page = KeyListPage(limit: 4)
        while true {
            let keys = try store.list(page)
            seen += keys.map(\.id)
            guard keys.count == 4, let last = keys.last else { break }
            page.after = (last.createdAtSeconds, last.id)
        }
        #expect(seen == made)
    }

    @Test func aPageIsReadFromTheCreationTimeIndex() throws {
        let path = self.scratch.file("keys.db")
        _ = try KeyStore(path: path, create: true)
        let connection = try Connection(path: path, mode: .readWrite)
        for page in [KeyListPage(limit: 50), KeyListPage(after: (t0, "kid_x"), limit: 50)] {
            let (sql, values) = page.query(placeholder: { _ in "?" }, order: "rowid")
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
            try statement.bind(values)
            var plan: [String] = []
            while try statement.step() { plan.append(statement.text(at: 3)) }
            #expect(plan.contains { $0.contains("USING INDEX keys_created") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        }
    }
}
