import KeygateCore
import KeygateCrypto
import KeygateStore
import Testing

let t0: Int64 = 1_700_000_000

/// The digest a worker would compute for `secret`.
func digest(_ secret: String) throws -> KeyDigest {
    try SHA256Hasher().digest(secret)
}

struct KeyStoreTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    func makeStore() throws -> KeyStore {
        try KeyStore(path: self.path, create: true)
    }

    @Test func createStoresOnlyTheDigestAndLookupFindsIt() throws {
        let store = try self.makeStore()
        let new = NewKey(
            name: "billing", owner: "team-pay", scopes: ["read", "write", "read"], expiresAtSeconds: t0 + 86_400,
            metadataJSON: #"{"tier":"gold"}"#, allowedNetworks: [CIDR("10.0.0.0/8")!, CIDR("2001:db8::/32")!],
            allowedOrigins: ["https://app.example.com"])
        let (record, secret) = try store.create(new, now: t0, actor: "cli:alice")
        #expect(APIKeyFormat.isWellFormed(secret))
        #expect(secret.hasPrefix("kg_"))
        #expect(KeyIdentifier.isValid(record.id))
        #expect(record.displayPrefix == String(secret.prefix(9)))
        #expect(record.scopes == ["read", "write"])
        #expect(record.status == .active)
        #expect(record.createdAtSeconds == t0)
        #expect(record.expiresAtSeconds == t0 + 86_400)
        #expect(record.lastUsedAtSeconds == nil)
        #expect(record.allowedNetworks.map(\.description) == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(record.allowedOrigins == ["https://app.example.com"])
        #expect(try store.find(id: record.id) == record)

        let lookup = try KeyLookup(path: self.path)
        let match = try #require(try lookup.find(digest: try digest(secret)))
        #expect(match == SecretMatch(key: record, secretRetiresAtSeconds: nil))
        #expect(try lookup.find(digest: try digest(secret + "x")) == nil)

        let raw = try Connection(path: self.path, mode: .readOnly)
        let stored = try raw.prepare("SELECT digest FROM key_secrets")
        #expect(try stored.step())
        #expect(stored.blob(at: 0) == (try digest(secret)).bytes)
        #expect(
            try raw.int64(
                "SELECT count(*) FROM keys WHERE instr(display_prefix || name || metadata, ?) > 0",
                [.text(secret)]) == 0)
    }

    @Test func customPrefixesAreKeptAcrossRotation() throws {
        let store = try self.makeStore()
        let (record, secret) = try store.create(NewKey(name: "x", prefix: "acme_live_"), now: t0, actor: "a")
        #expect(secret.hasPrefix("acme_live_"))
        #expect(record.displayPrefix.count == "acme_live_".count + 6)
        let rotated = try #require(try store.rotate(id: record.id, graceSeconds: 60, now: t0 + 1, actor: "a"))
        #expect(rotated.secret.hasPrefix("acme_live_"))
        #expect(rotated.record.displayPrefix == String(rotated.secret.prefix("acme_live_".count + 6)))
    }

    @Test func databaseFilesAre0600() throws {
        let store = try self.makeStore()
        _ = try store.create(NewKey(name: "a"), now: t0, actor: "a")
        #expect(self.scratch.mode("keys.db") == 0o600)
        #expect(self.scratch.mode("keys.db-wal") == 0o600)
        #expect(self.scratch.mode("keys.db-shm") == 0o600)
    }

    @Test func openingAMissingFileWithoutCreateSaysHowToCreateOne() {
        let error = #expect(throws: StoreError.self) { try KeyStore(path: self.path, create: false) }
        #expect(
            error?.message == "no database at \(self.path) (create it with `keygate keys create` or `keygate init`)")
    }

    @Test func listFiltersRevokedKeys() throws {
        let store = try self.makeStore()
        let first = try store.create(NewKey(name: "first"), now: t0, actor: "a").record
        let second = try store.create(NewKey(name: "second"), now: t0 + 1, actor: "a").record
        _ = try store.revoke(id: first.id, now: t0 + 2, actor: "a")
        #expect(try store.list(includeRevoked: false).map(\.id) == [second.id])
        #expect(try store.list(includeRevoked: true).map(\.id) == [first.id, second.id])
        #expect(try store.list(includeRevoked: true).first?.status == .revoked)
    }

    @Test func updateChangesOnlyWhatItNames() throws {
        let store = try self.makeStore()
        let record = try store.create(
            NewKey(name: "old", owner: "o", scopes: ["a"], expiresAtSeconds: t0 + 10), now: t0, actor: "a"
        ).record
        let renamed = try #require(
            try store.update(id: record.id, KeyUpdate(name: "new", status: .disabled), now: t0 + 1, actor: "b"))
        #expect(renamed.name == "new")
        #expect(renamed.status == .disabled)
        #expect(renamed.owner == "o" && renamed.scopes == ["a"] && renamed.expiresAtSeconds == t0 + 10)

        var change = KeyUpdate(scopes: ["x", "y"], metadataJSON: #"{"k":[1]}"#, allowedOrigins: [])
        change.expiresAtSeconds = .some(nil)
        change.allowedNetworks = [CIDR("192.0.2.0/24")!]
        let changed = try #require(try store.update(id: record.id, change, now: t0 + 2, actor: "b"))
        #expect(changed.scopes == ["x", "y"])
        #expect(changed.expiresAtSeconds == nil)
        #expect(changed.metadataJSON == #"{"k":[1]}"#)
        #expect(changed.allowedNetworks == [CIDR("192.0.2.0/24")!])
        #expect(changed.name == "new" && changed.status == .disabled)

        let reactivated = try store.update(id: record.id, KeyUpdate(status: .active), now: t0 + 3, actor: "b")
        #expect(reactivated?.status == .active)
        #expect(try store.update(id: "kid_0000000000000000", KeyUpdate(name: "z"), now: t0, actor: "b") == nil)
        // An empty update writes nothing.
        let auditCount = try store.auditLog(keyID: record.id, limit: 100).count
        #expect(try store.update(id: record.id, KeyUpdate(), now: t0 + 4, actor: "b") == reactivated)
        #expect(try store.auditLog(keyID: record.id, limit: 100).count == auditCount)
    }

    @Test func updateCannotRevokeOrUnrevoke() throws {
        let store = try self.makeStore()
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        #expect(throws: KeyValidationError.self) {
            try store.update(id: record.id, KeyUpdate(status: .revoked), now: t0, actor: "a")
        }
        _ = try store.revoke(id: record.id, now: t0 + 1, actor: "a")
        let error = #expect(throws: KeyValidationError.self) {
            try store.update(id: record.id, KeyUpdate(status: .active), now: t0 + 2, actor: "a")
        }
        #expect(error?.field == "status")
        #expect(try store.find(id: record.id)?.status == .revoked)
        // Other properties of a revoked key can still be edited.
        #expect(try store.update(id: record.id, KeyUpdate(name: "gone"), now: t0 + 3, actor: "a")?.name == "gone")
    }

    @Test func revokeKeepsSecretsAndIsIdempotent() throws {
        let store = try self.makeStore()
        let (record, secret) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let revoked = try #require(try store.revoke(id: record.id, now: t0 + 5, actor: "a"))
        #expect(revoked.status == .revoked)
        #expect(try store.secrets(id: record.id).count == 1)
        #expect(try KeyLookup(path: self.path).find(digest: try digest(secret))?.key.status == .revoked)
        #expect(try store.revoke(id: record.id, now: t0 + 6, actor: "a") == revoked)
        #expect(try store.auditLog(keyID: record.id, limit: 10).filter { $0.action == "revoke" }.count == 1)
        #expect(try store.revoke(id: "kid_0000000000000000", now: t0, actor: "a") == nil)
    }

    @Test func rotateKeepsThePreviousSecretForTheGracePeriod() throws {
        let store = try self.makeStore()
        let (record, first) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        let (rotated, second) = try #require(
            try store.rotate(id: record.id, graceSeconds: 3600, now: t0 + 100, actor: "a"))
        #expect(second != first)
        #expect(APIKeyFormat.isWellFormed(second))
        #expect(rotated.id == record.id && rotated.slot == record.slot)
        #expect(rotated.displayPrefix == String(second.prefix(9)))

        let lookup = try KeyLookup(path: self.path)
        #expect(try lookup.find(digest: try digest(first))?.secretRetiresAtSeconds == t0 + 3700)
        #expect(try lookup.find(digest: try digest(second))?.secretRetiresAtSeconds == nil)
        #expect(
            try store.secrets(id: record.id)
                == [
                    SecretInfo(createdAtSeconds: t0 + 100, retiresAtSeconds: nil),
                    SecretInfo(createdAtSeconds: t0, retiresAtSeconds: t0 + 3700),
                ])

        // After the grace period the old row is still found; the decision layer compares retiresAt with now.
        let later = t0 + 10_000
        let old = try #require(try lookup.find(digest: try digest(first)))
        #expect(try #require(old.secretRetiresAtSeconds) < later)

        // A second rotation inside the grace period cuts older secrets to the new, shorter grace.
        let (_, third) = try #require(try store.rotate(id: record.id, graceSeconds: 60, now: t0 + 200, actor: "a"))
        #expect(try lookup.find(digest: try digest(first))?.secretRetiresAtSeconds == t0 + 260)
        #expect(try lookup.find(digest: try digest(second))?.secretRetiresAtSeconds == t0 + 260)
        #expect(try lookup.find(digest: try digest(third))?.secretRetiresAtSeconds == nil)

        // A rotation after they retired removes the retired rows.
        _ = try store.rotate(id: record.id, graceSeconds: 0, now: t0 + 1000, actor: "a")
        #expect(try lookup.find(digest: try digest(first)) == nil)
        #expect(try lookup.find(digest: try digest(third))?.secretRetiresAtSeconds == t0 + 1000)
        #expect(try store.secrets(id: record.id).count == 2)
    }

    @Test func rotateRefusesRevokedKeysAndUnknownIDs() throws {
        let store = try self.makeStore()
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        _ = try store.revoke(id: record.id, now: t0, actor: "a")
        let error = #expect(throws: KeyValidationError.self) {
            try store.rotate(id: record.id, graceSeconds: 0, now: t0, actor: "a")
        }
        #expect(error?.description == "status: \(record.id) is revoked; create a new key instead")
        #expect(try store.rotate(id: "kid_0000000000000000", graceSeconds: 0, now: t0, actor: "a") == nil)
        #expect(throws: KeyValidationError.self) {
            try store.rotate(id: record.id, graceSeconds: -1, now: t0, actor: "a")
        }
    }

    @Test func deleteCascadesToSecretsAndFreesTheSlot() throws {
        let store = try self.makeStore()
        let (record, secret) = try store.create(NewKey(name: "k"), now: t0, actor: "a")
        _ = try store.rotate(id: record.id, graceSeconds: 60, now: t0, actor: "a")
        #expect(try store.delete(id: record.id, now: t0 + 1, actor: "a"))
        #expect(try store.find(id: record.id) == nil)
        #expect(try store.secrets(id: record.id).isEmpty)
        #expect(try Connection(path: self.path, mode: .readOnly).int64("SELECT count(*) FROM key_secrets") == 0)
        #expect(try KeyLookup(path: self.path).find(digest: try digest(secret)) == nil)
        #expect(try store.keyID(forSlot: record.slot) == nil)
        #expect(try !store.delete(id: record.id, now: t0 + 2, actor: "a"))
        #expect(try store.auditLog(keyID: record.id, limit: 1).first?.action == "delete")
    }

    @Test func slotsAreTheSmallestFreeAndReused() throws {
        let store = try self.makeStore()
        var ids: [String] = []
        for index in 0..<5 {
            let record = try store.create(NewKey(name: "k\(index)"), now: t0, actor: "a").record
            #expect(record.slot == index)
            ids.append(record.id)
        }
        #expect(try store.keyID(forSlot: 3) == ids[3])
        #expect(try store.delete(id: ids[1], now: t0, actor: "a"))
        #expect(try store.delete(id: ids[3], now: t0, actor: "a"))
        #expect(try store.create(NewKey(name: "r1"), now: t0, actor: "a").record.slot == 1)
        #expect(try store.create(NewKey(name: "r3"), now: t0, actor: "a").record.slot == 3)
        #expect(try store.create(NewKey(name: "r5"), now: t0, actor: "a").record.slot == 5)
        #expect(try store.delete(id: ids[0], now: t0, actor: "a"))
        #expect(try store.create(NewKey(name: "r0"), now: t0, actor: "a").record.slot == 0)
        // Revoked keys keep their slot.
        _ = try store.revoke(id: ids[2], now: t0, actor: "a")
        #expect(try store.create(NewKey(name: "r6"), now: t0, actor: "a").record.slot == 6)
    }

    @Test func everyChangeIsAuditedWithoutTheSecret() throws {
        let store = try self.makeStore()
        let (record, first) = try store.create(NewKey(name: "k \"q\""), now: t0, actor: "cli:alice")
        _ = try store.update(id: record.id, KeyUpdate(owner: "bob"), now: t0 + 1, actor: "cli:bob")
        let (_, second) = try #require(
            try store.rotate(id: record.id, graceSeconds: 5, now: t0 + 2, actor: "cli:carol"))
        _ = try store.revoke(id: record.id, now: t0 + 3, actor: "cli:dave")
        _ = try store.delete(id: record.id, now: t0 + 4, actor: "cli:erin")
        let other = try store.create(NewKey(name: "other"), now: t0 + 5, actor: "cli:frank").record

        let entries = try store.auditLog(keyID: record.id, limit: 100)
        #expect(entries.map(\.action) == ["delete", "revoke", "rotate", "update", "create"])
        #expect(entries.map(\.actor) == ["cli:erin", "cli:dave", "cli:carol", "cli:bob", "cli:alice"])
        #expect(entries.map(\.atSeconds) == [t0 + 4, t0 + 3, t0 + 2, t0 + 1, t0])
        #expect(entries.allSatisfy { $0.keyID == record.id })
        #expect(entries.last?.detail.contains(#"name="k \"q\"""#) == true)
        for entry in entries {
            let text = "\(entry.actor) \(entry.action) \(entry.detail)"
            #expect(!text.contains(first) && !text.contains(second))
            #expect(!text.contains(first.dropFirst(3).prefix(20)) && !text.contains(second.dropFirst(3).prefix(20)))
        }
        let all = try store.auditLog(keyID: nil, limit: 100)
        #expect(all.count == 6)
        #expect(all.first?.keyID == other.id)
        #expect(try store.auditLog(keyID: nil, limit: 2).count == 2)
    }

    @Test func invalidInputIsRefused() throws {
        let store = try self.makeStore()
        let cases: [(NewKey, String)] = [
            (NewKey(name: ""), "name"),
            (NewKey(name: "  "), "name"),
            (NewKey(name: "a\u{7}b"), "name"),
            (NewKey(name: String(repeating: "n", count: 201)), "name"),
            (NewKey(name: "k", owner: "o\n"), "owner"),
            (NewKey(name: "k", prefix: "KG_"), "prefix"),
            (NewKey(name: "k", prefix: "kg"), "prefix"),
            (NewKey(name: "k", metadataJSON: "[]"), "metadata"),
            (NewKey(name: "k", metadataJSON: "{\"a\":}"), "metadata"),
            (NewKey(name: "k", metadataJSON: ""), "metadata"),
            (NewKey(name: "k", scopes: ["read write"]), "scopes"),
            (NewKey(name: "k", scopes: [""]), "scopes"),
            (NewKey(name: "k", allowedOrigins: ["https://a.example/path"]), "origins"),
            (NewKey(name: "k", allowedOrigins: ["a.example"]), "origins"),
            (NewKey(name: "k", expiresAtSeconds: t0), "expires"),
        ]
        for (new, field) in cases {
            let error = #expect(throws: KeyValidationError.self) { try store.create(new, now: t0, actor: "a") }
            #expect(error?.field == field, "\(new)")
        }
        #expect(try store.list(includeRevoked: true).isEmpty)
        #expect(try store.auditLog(keyID: nil, limit: 10).isEmpty)
        let origins = ["null", "http://localhost:8080"]
        let created = try store.create(NewKey(name: "k", allowedOrigins: origins), now: t0, actor: "a")
        #expect(created.record.allowedOrigins == origins)
    }

    @Test func recordLastUsedOnlyMovesForward() throws {
        let store = try self.makeStore()
        let a = try store.create(NewKey(name: "a"), now: t0, actor: "x").record
        let b = try store.create(NewKey(name: "b"), now: t0, actor: "x").record
        let before = try store.auditLog(keyID: nil, limit: 100).count
        try store.recordLastUsed([
            (slot: a.slot, seconds: t0 + 50), (slot: b.slot, seconds: t0 + 20), (slot: 99, seconds: t0),
        ])
        try store.recordLastUsed([(slot: a.slot, seconds: t0 + 10)])
        try store.recordLastUsed([])
        #expect(try store.find(id: a.id)?.lastUsedAtSeconds == t0 + 50)
        #expect(try store.find(id: b.id)?.lastUsedAtSeconds == t0 + 20)
        #expect(try store.auditLog(keyID: nil, limit: 100).count == before)
    }
}
