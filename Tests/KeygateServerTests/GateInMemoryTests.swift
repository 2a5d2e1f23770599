import KeygateCore
import KeygateServer
import KeygateZone
import Logging
import Testing

/// A ``Gate`` built from in-memory parts: keys from an ``InMemoryKeySource``, counters in anonymous memory. Nothing
/// here is given a path, so no file is created or read.
struct GateInMemoryTests {
    static let nowSeconds: Int64 = 1_800_000_000
    static let nowMicros = nowSeconds * 1_000_000

    /// A well-formed secret from fixed bytes (`seed` picks which).
    static func secret(_ seed: UInt8) -> String {
        APIKeyFormat.make(
            prefix: "kg_", randomBytes: (0..<200).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) })!
    }

    static func key(
        _ number: Int, status: KeyStatus = .active, expiresAtSeconds: Int64? = nil, policies: PolicySet = PolicySet()
    ) -> KeyRecord {
        KeyRecord(
            id: "kid_inmemory\(String(repeating: "0", count: 4 - String(number).count))\(number)", slot: number,
            displayPrefix: "kg_abc", name: "key\(number)", owner: "team", scopes: ["reports:read"], status: status,
            createdAtSeconds: Self.nowSeconds - 100, expiresAtSeconds: expiresAtSeconds, policies: policies)
    }

    let source: InMemoryKeySource
    let counters: CounterTable

    init() throws {
        self.source = try InMemoryKeySource()
        self.counters = try CounterTable(inMemoryCapacity: 16)
    }

    func gate() throws -> Gate {
        try Gate(keys: self.source, policy: GatePolicy(), counters: self.counters, logger: Logger(label: "test"))
    }

    func decide(
        _ gate: Gate, _ secret: String, scopes: [String] = ["reports:read"], cost: Int64 = 1,
        atMicros: Int64 = nowMicros
    ) -> Decision {
        gate.decide(AuthRequest(apiKeyHeader: secret, requiredScopes: scopes, cost: cost), nowMicros: atMicros)
    }

    @Test func theCountersLiveInAnonymousMemory() {
        #expect(self.counters.mapping.path == "(anonymous)")
        #expect(self.counters.mapping.created)
        #expect(self.counters.mapping.checkIntact())
        #expect(!self.counters.mapping.isLost)
    }

    @Test func aValidKeyIsAllowedWithItsIdentity() throws {
        let key = Self.key(1)
        self.source.add(key, secret: Self.secret(1))
        let gate = try self.gate()
        let decision = self.decide(gate, Self.secret(1))
        #expect(decision.outcome == .allow)
        #expect(decision.key == key)
        #expect(decision.key?.id == "kid_inmemory0001")
        #expect(decision.limits == nil)
        #expect(self.source.findCalls == 1)
    }

    @Test(
        arguments: [
            (KeyStatus.active, Self.nowSeconds - 1, ["reports:read"], Outcome.expired),
            (.revoked, nil, ["reports:read"], .revoked),
            (.disabled, nil, ["reports:read"], .disabled),
            (.active, nil, ["admin"], .insufficientScope),
        ] as [(KeyStatus, Int64?, [String], Outcome)])
    func aKeyThatMayNotPassIsDeniedWithItsReason(
        status: KeyStatus, expiresAtSeconds: Int64?, scopes: [String], outcome: Outcome
    ) throws {
        let key = Self.key(2, status: status, expiresAtSeconds: expiresAtSeconds)
        self.source.add(key, secret: Self.secret(2))
        let decision = self.decide(try self.gate(), Self.secret(2), scopes: scopes)
        #expect(decision.outcome == outcome)
        #expect(decision.key?.id == key.id)
    }

    @Test func anUnknownKeyIsDeniedAndItsMissIsCached() throws {
        self.source.add(Self.key(1), secret: Self.secret(1))
        let gate = try self.gate()
        #expect(self.decide(gate, Self.secret(9)).outcome == .unknown)
        #expect(self.decide(gate, Self.secret(9)).outcome == .unknown)
        #expect(self.decide(gate, "kg_not-a-key").outcome == .malformed)
        #expect(gate.decide(AuthRequest(), nowMicros: Self.nowMicros).outcome == .missing)
        #expect(self.source.findCalls == 1)
        #expect(gate.statistics.cacheHits == 1)
    }

    @Test func aKeyLimitedTo3AMinuteIsAllowed3TimesThenLimited() throws {
        let limit = try RateLimitPolicy.parse("3/minute")
        self.source.add(Self.key(3, policies: PolicySet(rateLimits: [limit])), secret: Self.secret(3))
        let gate = try self.gate()
        for remaining: Int64 in [2, 1, 0] {
            let decision = self.decide(gate, Self.secret(3))
            #expect(decision.outcome == .allow)
            #expect(decision.limits?.evaluations.map(\.remaining) == [remaining])
        }
        let limited = self.decide(gate, Self.secret(3))
        #expect(limited.outcome == .rateLimited)
        let evaluation = try #require(limited.limits?.evaluations.first)
        #expect(!evaluation.admitted)
        #expect(evaluation.remaining == 0)
        #expect(evaluation.limit == 3)
        #expect(evaluation.resetMicros == 60_000_000)
        #expect(evaluation.retryAfterMicros == 20_000_000)
        #expect(limited.limits?.violated == [limit.name])
        // The counts are in the shared record: 3 admitted, 1 refused.
        let counts = self.counters.counts(slot: 3)
        #expect(counts.admitted == 3 && counts.rejected == 1)
        // One request's worth drains in 20 s.
        #expect(self.decide(gate, Self.secret(3), atMicros: Self.nowMicros + 20_000_000).outcome == .allow)
    }

    @Test func creditsAreSpentByCostUntilTooFewAreLeft() throws {
        let credits = CreditPolicy(initial: 5)
        self.source.add(Self.key(4, policies: PolicySet(credits: credits)), secret: Self.secret(4))
        let gate = try self.gate()
        for remaining: Int64 in [3, 1] {
            let decision = self.decide(gate, Self.secret(4), cost: 2)
            #expect(decision.outcome == .allow)
            #expect(decision.limits?.evaluations.map(\.remaining) == [remaining])
        }
        let refused = self.decide(gate, Self.secret(4), cost: 2)
        #expect(refused.outcome == .rateLimited)
        #expect(refused.limits?.evaluations.first?.remaining == 1)
        #expect(refused.limits?.evaluations.first?.retryAfterMicros == Int64.max)
        #expect(self.decide(gate, Self.secret(4), cost: 1).outcome == .allow)
        #expect(self.decide(gate, Self.secret(4), cost: 1).outcome == .rateLimited)
    }

    @Test func aSignalledChangeDropsThatKeyOnly() throws {
        let a = Self.key(5)
        let b = Self.key(6)
        self.source.add(a, secret: Self.secret(5))
        self.source.add(b, secret: Self.secret(6))
        let gate = try self.gate()
        #expect(self.decide(gate, Self.secret(5)).outcome == .allow)
        #expect(self.decide(gate, Self.secret(6)).outcome == .allow)
        #expect(self.source.findCalls == 2)
        var revoked = a
        revoked.status = .revoked
        self.source.update(revoked)
        // Not signalled yet: the cached entry still answers.
        #expect(self.decide(gate, Self.secret(5)).outcome == .allow)
        #expect(self.source.findCalls == 2)
        self.source.signal(keyID: a.id)
        #expect(self.decide(gate, Self.secret(5)).outcome == .revoked)
        #expect(self.source.findCalls == 3)
        #expect(gate.statistics.keyInvalidations == 1)
        // b stayed cached: a hit, no lookup.
        let hits = gate.statistics.cacheHits
        #expect(self.decide(gate, Self.secret(6)).outcome == .allow)
        #expect(self.source.findCalls == 3)
        #expect(gate.statistics.cacheHits == hits + 1)
        #expect(gate.statistics.cacheInvalidations == 0)
    }
}
