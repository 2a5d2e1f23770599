import KeygateCore
import Testing

struct KeyRecordInternerTests {
    static let limits = PolicySet(
        rateLimits: [RateLimitPolicy(limit: 10, periodMicros: 1_000_000)], quotas: [QuotaPolicy(limit: 5, window: .day)]
    )

    /// A record as the store reads it: its own freshly built arrays.
    static func record(_ id: String, limit: Int64 = 10, scopes: [String] = ["read"]) -> KeyRecord {
        KeyRecord(
            id: id, slot: 0, displayPrefix: "kg_x", name: id, scopes: scopes, createdAtSeconds: 0,
            policies: PolicySet(
                rateLimits: [RateLimitPolicy(limit: limit, periodMicros: 1_000_000)],
                quotas: [QuotaPolicy(limit: 5, window: .day)]))
    }

    static func storage<T>(_ array: [T]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalPoliciesAndScopesShareOneCopy() {
        var interner = KeyRecordInterner()
        var a = Self.record("kid_a")
        var b = Self.record("kid_b")
        #expect(Self.storage(a.policies.rateLimits) != Self.storage(b.policies.rateLimits))
        interner.intern(&a)
        interner.intern(&b)
        #expect(Self.storage(a.policies.rateLimits) == Self.storage(b.policies.rateLimits))
        #expect(Self.storage(a.policies.quotas) == Self.storage(b.policies.quotas))
        #expect(Self.storage(a.scopes) == Self.storage(b.scopes))
        #expect(b.policies == Self.limits)
        #expect(b.scopes == ["read"])
        #expect(b.id == "kid_b")
        #expect(interner.policySetCount == 1)
        #expect(interner.scopeListCount == 1)
    }

    @Test func differentValuesStayApart() {
        var interner = KeyRecordInterner()
        var a = Self.record("kid_a", limit: 10, scopes: ["read"])
        var b = Self.record("kid_b", limit: 20, scopes: ["write"])
        interner.intern(&a)
        interner.intern(&b)
        #expect(a.policies.rateLimits[0].limit == 10)
        #expect(b.policies.rateLimits[0].limit == 20)
        #expect(b.scopes == ["write"])
        #expect(interner.policySetCount == 2)
        #expect(interner.scopeListCount == 2)
    }

    @Test func keepsNoMoreThanItsCapacityAndLeavesTheRestAlone() {
        var interner = KeyRecordInterner(capacity: 2)
        for limit: Int64 in 1...5 {
            var record = Self.record("kid_\(limit)", limit: limit, scopes: ["s\(limit)"])
            interner.intern(&record)
            #expect(record.policies.rateLimits[0].limit == limit)
            #expect(record.scopes == ["s\(limit)"])
        }
        #expect(interner.policySetCount == 2)
        #expect(interner.scopeListCount == 2)
        // A kept value is still shared once the interner is full; one it does not hold stays the record's own.
        var kept = Self.record("kid_x", limit: 1, scopes: ["s1"])
        var keptToo = Self.record("kid_y", limit: 1, scopes: ["s1"])
        var own = Self.record("kid_z", limit: 3, scopes: ["s3"])
        var ownToo = Self.record("kid_w", limit: 3, scopes: ["s3"])
        interner.intern(&kept)
        interner.intern(&keptToo)
        interner.intern(&own)
        interner.intern(&ownToo)
        #expect(Self.storage(kept.policies.rateLimits) == Self.storage(keptToo.policies.rateLimits))
        #expect(Self.storage(own.policies.rateLimits) != Self.storage(ownToo.policies.rateLimits))
        #expect(own.policies == ownToo.policies)
        #expect(interner.policySetCount == 2)
    }

    @Test func capacityZeroInternsNothing() {
        var interner = KeyRecordInterner(capacity: 0)
        var a = Self.record("kid_a")
        var b = Self.record("kid_b")
        interner.intern(&a)
        interner.intern(&b)
        #expect(Self.storage(a.policies.rateLimits) != Self.storage(b.policies.rateLimits))
        #expect(interner.policySetCount == 0)
    }

    @Test func emptyPoliciesAndScopesAreNotKept() {
        var interner = KeyRecordInterner()
        var record = KeyRecord(id: "kid_a", slot: 0, displayPrefix: "kg_x", name: "a", createdAtSeconds: 0)
        interner.intern(&record)
        #expect(record.policies.isEmpty)
        #expect(interner.policySetCount == 0)
        #expect(interner.scopeListCount == 0)
    }
}
