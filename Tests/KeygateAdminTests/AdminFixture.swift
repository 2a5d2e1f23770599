import Foundation
import KeygateAdmin
import KeygateCore
import KeygateStore
import Logging

/// An ``AdminAPI`` over a fresh SQLite store in a temporary folder, with an all-powerful admin key and a clock the
/// test moves.
final class AdminFixture {
    let folder: String
    let store: KeyStore
    let api: AdminAPI
    let root: (key: AdminKey, secret: String)
    var nowMicros: Int64 = 1_764_633_600_000_000  // 2025-12-02T00:00:00Z
    /// How far the clock moves per request.
    var tickMicros: Int64 = 1_000

    init(limitReader: (@Sendable (KeyRecord, Int64) -> PolicySetEvaluation?)? = nil) throws {
        self.folder = NSTemporaryDirectory() + "keygate-admin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        self.store = try KeyStore(path: self.folder + "/keys.db", create: true)
        self.api = try AdminAPI(store: self.store, logger: Logger(label: "admin-test"), limitReader: limitReader)
        self.root = try self.store.createAdminKey(
            name: "root", grants: [AdminGrant("*")!], now: self.nowMicros / 1_000_000, actor: "test")
    }

    deinit { try? FileManager.default.removeItem(atPath: self.folder) }

    /// Sends one request (as `secret`, the root key by default; `nil` for none) and returns the answer.
    func send(
        _ method: String, _ target: String, json: String? = nil, as secret: String? = "",
        headers: [String: String] = [:],
        from address: String = "127.0.0.1"
    ) -> AdminResponse {
        let (path, query) = AdminRequest.split(target: target)
        var fields = headers
        let presented = secret == "" ? self.root.secret : secret
        if let presented { fields["authorization"] = "Bearer \(presented)" }
        if json != nil { fields["content-type"] = "application/json" }
        self.nowMicros += self.tickMicros
        return self.api.handle(
            AdminRequest(
                method: method, path: path, query: query, headers: fields, body: Array((json ?? "").utf8),
                remoteAddress: address),
            nowMicros: self.nowMicros)
    }

    /// An admin key with only `grants`.
    func adminKey(_ grants: [String]) throws -> String {
        try self.store.createAdminKey(
            name: "limited", grants: grants.map { AdminGrant($0)! }, now: self.nowMicros / 1_000_000, actor: "test"
        ).secret
    }
}

extension AdminResponse {
    /// The body parsed as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }

    var text: String { String(decoding: self.body, as: UTF8.self) }
}
