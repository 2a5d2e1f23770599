import Foundation
import KeygateAdmin
import Testing

/// The OpenAPI document describes exactly what the admin API serves, and the copy in docs/ is the one served.
@Suite struct AdminDocumentTests {
    @Test func theDocumentListsExactlyTheServedOperations() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(AdminOpenAPI.document.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete", "put"] where item[method] != nil {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served = Set(AdminAPI.operations)
        #expect(documented == served)
    }

    @Test func theCommittedCopyIsTheServedDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/admin-openapi.json"), encoding: .utf8)
        #expect(committed == AdminOpenAPI.document, "run `keygate admin-openapi > docs/admin-openapi.json`")
    }
}
