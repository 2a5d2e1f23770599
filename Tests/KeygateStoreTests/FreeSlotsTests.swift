import KeygateCore
import KeygateStore
import Testing

/// Free slots are kept by triggers (whoever deletes a key) and found in two index lookups; a database made before
/// them gets its gaps listed when it is migrated.
struct FreeSlotsTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    /// A key row written with SQL alone (the sqlite3 shell), at `slot`.
    func insertRow(_ connection: Connection, id: String, slot: Int64) throws {
        try connection.execute(
            """
            INSERT INTO keys (id, slot, display_prefix, name, scopes, status, created_at) \
            VALUES (?, ?, 'kg_shell', 'shell', '', 'active', ?)
            """, [.text(id), .integer(slot), .integer(t0)])
    }

    /// The slots below `limit` that `free_slots` lists, in order.
    func listed(_ connection: Connection, below limit: Int64) throws -> [Int64] {
        try (0..<limit).filter {
            try connection.int64("SELECT 1 FROM free_slots WHERE slot = ?", [.integer($0)]) == 1
        }
    }

    @Test func aKeyDeletedOrMovedWithSQLAloneFreesItsSlot() throws {
        let store = try KeyStore(path: self.path, create: true)
        let ids = try (0..<4).map { try store.create(NewKey(name: "k\($0)"), now: t0, actor: "a").record.id }
        let shell = try Connection(path: self.path, mode: .readWrite)
        try shell.execute("DELETE FROM keys WHERE id = ?", [.text(ids[2])])
        #expect(try store.create(NewKey(name: "r2"), now: t0, actor: "a").record.slot == 2)
        try shell.execute("UPDATE keys SET slot = 9 WHERE id = ?", [.text(ids[1])])
        #expect(try store.create(NewKey(name: "r1"), now: t0, actor: "a").record.slot == 1)
        // The move skipped 4 to 8: they are listed, and taken in order (never 9).
        #expect(try store.create(NewKey(name: "r4"), now: t0, actor: "a").record.slot == 4)
        #expect(try store.create(NewKey(name: "r5"), now: t0, actor: "a").record.slot == 5)
        #expect(try self.listed(shell, below: 12) == [6, 7, 8])
        // A key put high with SQL alone (as a mirrored key at its shared slot) lists the slots it skipped.
        try self.insertRow(shell, id: "kid_high", slot: 20)
        #expect(try shell.int64("SELECT count(*) FROM free_slots WHERE slot BETWEEN 10 AND 19") == 10)
        #expect(try store.create(NewKey(name: "r6"), now: t0, actor: "a").record.slot == 6)
    }

    @Test func aListedSlotAKeyTookAnywayIsPassedOver() throws {
        let store = try KeyStore(path: self.path, create: true)
        let ids = try (0..<3).map { try store.create(NewKey(name: "k\($0)"), now: t0, actor: "a").record.id }
        #expect(try store.delete(id: ids[0], now: t0, actor: "a"))
        // Slot 0 is listed as free; a row put there behind the triggers' back (they cannot all be relied on: a
        // REPLACE deletes without them) must not be handed out again.
        let shell = try Connection(path: self.path, mode: .readWrite)
        try shell.execute("DROP TRIGGER keys_slot_taken")
        try self.insertRow(shell, id: "kid_shell", slot: 0)
        #expect(try shell.int64("SELECT count(*) FROM free_slots WHERE slot = 0") == 1)
        #expect(try store.create(NewKey(name: "next"), now: t0, actor: "a").record.slot == 3)
    }

    @Test func migratingADatabaseMadeBeforeFreeSlotsListsItsGaps() throws {
        do {
            let old = try Connection(path: self.path, mode: .create)
            try Migrations.migrate(old, toVersion: 5)
            for (index, slot) in [0, 2, 3, 6].enumerated() {
                try self.insertRow(old, id: "kid_old\(index)", slot: Int64(slot))
            }
        }
        let store = try KeyStore(path: self.path, create: false)
        let shell = try Connection(path: self.path, mode: .readWrite)
        #expect(try Migrations.version(of: shell) == Migrations.currentVersion)
        #expect(try self.listed(shell, below: 10) == [1, 4, 5])
        let slots = try (0..<5).map { try store.create(NewKey(name: "n\($0)"), now: t0, actor: "a").record.slot }
        #expect(slots == [1, 4, 5, 7, 8])
    }

    @Test func anEmptyDatabaseStartsAtSlotZero() throws {
        do {
            let old = try Connection(path: self.path, mode: .create)
            try Migrations.migrate(old, toVersion: 5)
        }
        let store = try KeyStore(path: self.path, create: false)
        #expect(try store.create(NewKey(name: "first"), now: t0, actor: "a").record.slot == 0)
        #expect(try store.create(NewKey(name: "second"), now: t0, actor: "a").record.slot == 1)
    }
}
