import Foundation
import KeygateCore
import KeygatePostgres
import KeygateStore
import Testing

extension PostgresStoreTests {
    /// The same keys in both stores, some disabled, one revoked and one deleted: every page (statuses, owner, name
    /// prefix, a cursor, a cursor whose key is gone) lists the same keys in the same order from either.
    static func pages(_ store: any KeyStoring) throws -> [[String]] {
        var ids: [String: String] = [:]
        for index in 0..<9 {
            let name = index < 3 ? "alpha-\(index)" : "beta-\(index)"
            let (record, _) = try store.create(
                NewKey(name: name, owner: index % 2 == 0 ? "even" : "odd"), now: 1_000 + Int64(index / 2),
                actor: "test")
            ids[name] = record.id
        }
        _ = try store.update(id: ids["beta-4"]!, KeyUpdate(status: .disabled), now: 2_000, actor: "test")
        _ = try store.revoke(id: ids["beta-5"]!, now: 2_000, actor: "test")
        func names(_ page: KeyListPage) throws -> [String] { try store.list(page).map(\.name) }
        let first = try store.list(KeyListPage(limit: 4))
        let last = try #require(first.last)
        var pages = [
            try names(KeyListPage(limit: 100)),
            try names(KeyListPage(statuses: KeyStatus.allCases, limit: 100)),
            try names(KeyListPage(statuses: [.revoked, .disabled], limit: 100)),
            try names(KeyListPage(owner: "odd", limit: 100)),
            try names(KeyListPage(namePrefix: "alpha", limit: 2)),
            first.map(\.name),
            try names(KeyListPage(after: (last.createdAtSeconds, last.id), limit: 4)),
        ]
        // A cursor whose key was deleted since goes on after its creation time.
        #expect(try store.delete(id: last.id, now: 2_000, actor: "test"))
        pages.append(try names(KeyListPage(after: (last.createdAtSeconds, last.id), limit: 100)))
        return pages
    }

    @Test func pagesOfKeysAreTheSameFromBothStores() throws {
        let server = try self.server
        let scratch = try Scratch()
        let sqlite = try Self.pages(KeyStore(path: scratch.file("keys.db"), create: true))
        let url = try server.makeDatabase()
        #expect(try Harness.keygate(["init", "--db", url]).status == 0)
        let postgres = try Self.pages(PostgresKeyStore(url: PostgresURL(url), create: false))
        #expect(sqlite == postgres)
        #expect(
            sqlite == [
                ["alpha-0", "alpha-1", "alpha-2", "beta-3", "beta-4", "beta-6", "beta-7", "beta-8"],
                ["alpha-0", "alpha-1", "alpha-2", "beta-3", "beta-4", "beta-5", "beta-6", "beta-7", "beta-8"],
                ["beta-4", "beta-5"],
                ["alpha-1", "beta-3", "beta-7"],
                ["alpha-0", "alpha-1"],
                ["alpha-0", "alpha-1", "alpha-2", "beta-3"],
                ["beta-4", "beta-6", "beta-7", "beta-8"],
                ["beta-4", "beta-6", "beta-7", "beta-8"],
            ])
    }
}
