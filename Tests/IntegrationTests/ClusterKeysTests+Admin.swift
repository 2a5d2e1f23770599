import Foundation
import Glibc
import Testing

extension ClusterKeysTests {
    /// With `--keys-from`, the admin API writes to the PostgreSQL key store every host mirrors: a key made or revoked
    /// through one host's admin listener is served or refused by every host.
    @Test func theAdminAPIWritesToTheSharedKeyStore() throws {
        let store = try Self.store()
        let made = try Harness.keygate([
            "admin-keys", "create", "--db", store.url, "--name", "ops", "--grant", "keys:*", "--json",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let fields = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
        let adminSecret = try #require(fields?["secret"] as? String)
        let adminPort = Harness.freePort()
        let first = try ClusterHost(
            name: "first", redisPort: nil, keysFrom: store, extra: ["--admin-listen", "http://127.0.0.1:\(adminPort)"])
        let second = try ClusterHost(name: "second", redisPort: nil, keysFrom: store)
        let headers = ["Authorization": "Bearer \(adminSecret)"]
        #expect(
            Harness.eventually(timeout: 15) {
                (try? AdminServerTests.Admin.send(adminPort, "GET", "/v1/keys", headers: headers))?.status == 200
            })
        let created = try AdminServerTests.Admin.send(
            adminPort, "POST", "/v1/keys", body: #"{"name":"from the admin API"}"#, headers: headers,
            scratch: first.scratch)
        #expect(created.status == 201, "\(created.body)")
        let key = AdminServerTests.object(created)
        let id = try #require(key["id"] as? String)
        let secret = try #require(key["key"] as? String)
        let shown = try Harness.keygate(["keys", "show", "--db", store.url, id])
        #expect(shown.status == 0 && shown.stdout.contains("from the admin API"), "\(shown.stderr)")
        let clients = try [first, second].map { try ForwardAuthClient(port: $0.port) }
        for client in clients { #expect(Self.waitFor(200, client, secret) != nil) }
        let revoked = try AdminServerTests.Admin.send(adminPort, "POST", "/v1/keys/\(id)/revoke", headers: headers)
        #expect(revoked.status == 200)
        for client in clients { #expect(Self.waitFor(401, client, secret) != nil) }
        let audit = try Harness.keygate(["audit", "--db", store.url, "--key", id])
        #expect(audit.stdout.contains("admin:adm_"), "\(audit.stdout)")
    }
}
