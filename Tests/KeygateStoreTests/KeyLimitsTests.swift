import KeygateCore
import KeygateCrypto
import KeygateStore
import Testing

/// Parses a rate-limit spec; test input is known to be valid.
private func limit(_ spec: String) -> RateLimitPolicy {
    try! RateLimitPolicy.parse(spec)
}

/// Parses a quota spec; test input is known to be valid.
private func quota(_ spec: String) -> QuotaPolicy {
    try! QuotaPolicy.parse(spec)
}

/// Parses a credit balance and refill; test input is known to be valid.
private func credits(_ initial: String, refill: String? = nil) -> CreditPolicy {
    try! CreditPolicy.parse(initial: initial, refill: refill)
}

struct KeyLimitsTests {
    let scratch = ScratchDirectory()
    var path: String { self.scratch.file("keys.db") }

    func makeStore() throws -> KeyStore {
        try KeyStore(path: self.path, create: true)
    }

    /// The raw limit columns of key `id`: `rate_limits`, `quotas`, `credits` and `credit_refill`.
    func storedColumns(_ id: String) throws -> (String, String, Int64?, String?) {
        let raw = try Connection(path: self.path, mode: .readOnly)
        let statement = try raw.prepare("SELECT rate_limits, quotas, credits, credit_refill FROM keys WHERE id = ?")
        try statement.bind([.text(id)])
        #expect(try statement.step())
        return (
            statement.text(at: 0), statement.text(at: 1), statement.optionalInt64(at: 2), statement.optionalText(at: 3)
        )
    }

    @Test func keyLimitsRoundTripInCanonicalForm() throws {
        let store = try self.makeStore()
        let new = NewKey(
            name: "k",
            rateLimits: [
                limit("1000/HOUR, burst=50"), limit("10/sec"), limit("100/minute,burst=100"),
                try RateLimitPolicy.parse("5/d", name: "custom-name"),
            ],
            quotas: [quota("100000/month"), quota("5000/d")],
            credits: credits("5000", refill: "1000/month@15"))
        let (record, secret) = try store.create(new, now: t0, actor: "a")
        let columns = try self.storedColumns(record.id)
        #expect(columns.0 == "10/s 100/min 1000/hour,burst=50 5/day")
        #expect(columns.1 == "5000/day 100000/month")
        #expect(columns.2 == 5000)
        #expect(columns.3 == "1000/month@15")
        let expected = PolicySet(
            rateLimits: [limit("10/s"), limit("100/min"), limit("1000/hour,burst=50"), limit("5/day")],
            quotas: [quota("5000/day"), quota("100000/month")],
            credits: credits("5000", refill: "1000/month@15"))
        #expect(record.policies == expected)
        #expect(record.plan == nil)
        #expect(try store.find(id: record.id) == record)
        #expect(try store.list(includeRevoked: false) == [record])
        #expect(try KeyLookup(path: self.path).find(digest: try digest(secret))?.key == record)
        let detail = try #require(try store.auditLog(keyID: record.id, limit: 1).first?.detail)
        #expect(
            detail.hasSuffix(
                #"limits="10/s 100/min 1000/hour,burst=50 5/day" quotas="5000/day 100000/month" "#
                    + "credits=5000 refill=1000/month@15"))

        // A monthly refill on the 1st is stored without a day; a daily one as N/day.
        let monthly = KeyUpdate(credits: .some(credits("0", refill: "7/month@1")))
        _ = try store.update(id: record.id, monthly, now: t0, actor: "a")
        #expect(try self.storedColumns(record.id).3 == "7/month")
        let daily = KeyUpdate(credits: .some(credits("3", refill: "9/day")))
        _ = try store.update(id: record.id, daily, now: t0, actor: "a")
        #expect(try self.storedColumns(record.id).3 == "9/day")
        #expect(try store.find(id: record.id)?.policies.credits == credits("3", refill: "9/day"))
    }

    @Test func planPoliciesApplyWithPerPeriodOverrides() throws {
        let store = try self.makeStore()
        let plan = try store.createPlan(
            name: "pro", rateLimits: [limit("1000/hour"), limit("10/s")], quotas: [quota("100000/month")],
            credits: credits("5000"), now: t0, actor: "a")
        #expect(plan.rateLimits == [limit("10/s"), limit("1000/hour")])
        #expect(plan.createdAtSeconds == t0)
        #expect(try store.plan(named: "pro") == plan)
        let (record, secret) = try store.create(
            NewKey(name: "k", plan: "pro", rateLimits: [limit("20/s")], quotas: [quota("100/day")]), now: t0,
            actor: "a")
        #expect(record.plan == "pro")
        #expect(
            record.policies
                == PolicySet(
                    rateLimits: [limit("20/s"), limit("1000/hour")], quotas: [quota("100/day"), quota("100000/month")],
                    credits: credits("5000")))
        // The key's credits replace the plan's.
        let withCredits = try #require(
            try store.update(id: record.id, KeyUpdate(credits: .some(credits("7"))), now: t0 + 1, actor: "a"))
        #expect(withCredits.policies.credits == credits("7"))
        #expect(withCredits.policies.rateLimits == [limit("20/s"), limit("1000/hour")])
        #expect(try KeyLookup(path: self.path).find(digest: try digest(secret))?.key == withCredits)
        #expect(try store.list(includeRevoked: true) == [withCredits])
        // A key without overrides gets exactly the plan's policies.
        let plain = try store.create(NewKey(name: "plain", plan: "pro"), now: t0, actor: "a").record
        #expect(plain.policies == plan.policies)
    }

    @Test func clearingOverridesFallsBackToThePlan() throws {
        let store = try self.makeStore()
        let plan = try store.createPlan(
            name: "free", rateLimits: [limit("1/s")], quotas: [quota("10/day")], credits: credits("100"), now: t0,
            actor: "a")
        let record = try store.create(
            NewKey(
                name: "k", plan: "free", rateLimits: [limit("5/s")], quotas: [quota("50/day")],
                credits: credits("9")),
            now: t0, actor: "a"
        ).record
        #expect(record.policies != plan.policies)
        let cleared = try #require(
            try store.update(
                id: record.id, KeyUpdate(rateLimits: [], quotas: [], credits: .some(nil)), now: t0 + 1, actor: "a"))
        #expect(cleared.policies == plan.policies)
        #expect(try self.storedColumns(record.id) == ("", "", nil, nil))
        let detail = try #require(try store.auditLog(keyID: record.id, limit: 1).first?.detail)
        #expect(detail == #"limits="" quotas="" credits=none"#)

        let offPlan = try #require(
            try store.update(id: record.id, KeyUpdate(plan: .some(nil)), now: t0 + 2, actor: "a"))
        #expect(offPlan.plan == nil)
        #expect(offPlan.policies.isEmpty)
        #expect(try store.auditLog(keyID: record.id, limit: 1).first?.detail == "plan=none")
        let backOn = try #require(try store.update(id: record.id, KeyUpdate(plan: "free"), now: t0 + 3, actor: "a"))
        #expect(backOn.plan == "free")
        #expect(backOn.policies == plan.policies)
        // An update that leaves the limits alone keeps them.
        #expect(
            try store.update(id: record.id, KeyUpdate(name: "renamed"), now: t0 + 4, actor: "a")?.policies
                == plan.policies)
    }

    @Test func unknownOrMalformedPlanIsRefused() throws {
        let store = try self.makeStore()
        #expect(throws: KeyValidationError(field: "plan", reason: "no plan named gold")) {
            try store.create(NewKey(name: "k", plan: "gold"), now: t0, actor: "a")
        }
        #expect(try store.list(includeRevoked: true).isEmpty)
        let record = try store.create(NewKey(name: "k"), now: t0, actor: "a").record
        #expect(throws: KeyValidationError(field: "plan", reason: "no plan named gold")) {
            try store.update(id: record.id, KeyUpdate(plan: "gold"), now: t0, actor: "a")
        }
        let malformed = #expect(throws: KeyValidationError.self) {
            try store.update(id: record.id, KeyUpdate(plan: "Gold Plan"), now: t0, actor: "a")
        }
        #expect(malformed?.field == "plan")
        #expect(throws: KeyValidationError.self) {
            try store.createPlan(name: String(repeating: "a", count: 65), now: t0, actor: "a")
        }
        #expect(throws: KeyValidationError.self) { try store.createPlan(name: "", now: t0, actor: "a") }
        _ = try store.createPlan(name: "gold_2-x", now: t0, actor: "a")
        #expect(throws: KeyValidationError(field: "plan", reason: "a plan named gold_2-x exists already")) {
            try store.createPlan(name: "gold_2-x", now: t0, actor: "a")
        }
        #expect(try store.find(id: record.id)?.plan == nil)
    }

    @Test func planInUseCannotBeDeleted() throws {
        let store = try self.makeStore()
        _ = try store.createPlan(name: "free", rateLimits: [limit("1/s")], now: t0, actor: "a")
        var ids: [String] = []
        for index in 0..<3 {
            ids.append(try store.create(NewKey(name: "k\(index)", plan: "free"), now: t0, actor: "a").record.id)
        }
        #expect(throws: KeyValidationError(field: "plan", reason: "plan free is used by 3 keys")) {
            try store.deletePlan(name: "free", now: t0, actor: "a")
        }
        for id in ids.dropFirst() { _ = try store.delete(id: id, now: t0, actor: "a") }
        #expect(throws: KeyValidationError(field: "plan", reason: "plan free is used by 1 key")) {
            try store.deletePlan(name: "free", now: t0, actor: "a")
        }
        _ = try store.update(id: ids[0], KeyUpdate(plan: .some(nil)), now: t0, actor: "a")
        #expect(try store.deletePlan(name: "free", now: t0 + 1, actor: "cli:root"))
        #expect(try store.deletePlan(name: "free", now: t0 + 2, actor: "cli:root") == false)
        #expect(try store.plans().isEmpty)
        let entry = try #require(try store.auditLog(keyID: nil, limit: 1).first)
        #expect(entry.action == "plan-delete" && entry.keyID == nil && entry.detail == "plan=free")
    }

    @Test func atMostOneLimitPerPeriodAndQuotaPerWindow() throws {
        let store = try self.makeStore()
        #expect(throws: KeyValidationError(field: "limits", reason: "two limits per minute: keep one")) {
            try store.create(
                NewKey(name: "k", rateLimits: [limit("100/min"), limit("5/s"), limit("200/minute")]),
                now: t0, actor: "a")
        }
        #expect(throws: KeyValidationError(field: "quotas", reason: "two quotas per day: keep one")) {
            try store.createPlan(name: "p", quotas: [quota("1/day"), quota("2/d")], now: t0, actor: "a")
        }
        let odd = #expect(throws: KeyValidationError.self) {
            try store.create(
                NewKey(name: "k", rateLimits: [RateLimitPolicy(limit: 5, periodMicros: 90_000_000)]),
                now: t0, actor: "a")
        }
        #expect(odd?.field == "limits")
        let zero = #expect(throws: KeyValidationError.self) {
            try store.create(
                NewKey(name: "k", rateLimits: [RateLimitPolicy(limit: 0, periodMicros: 1_000_000)]),
                now: t0, actor: "a")
        }
        #expect(zero?.reason == "limit '0/s': the count must be at least 1")
        let badRefill = #expect(throws: KeyValidationError.self) {
            try store.create(
                NewKey(name: "k", credits: CreditPolicy(initial: 5, refill: .monthly(amount: 5, day: 40))),
                now: t0, actor: "a")
        }
        #expect(badRefill?.field == "credits")
        #expect(try store.list(includeRevoked: true).isEmpty)
        #expect(try store.plans().isEmpty)
    }

    @Test func planUpdatesReachKeys() throws {
        let store = try self.makeStore()
        _ = try store.createPlan(name: "b", rateLimits: [limit("1/s")], now: t0, actor: "a")
        _ = try store.createPlan(name: "a", now: t0, actor: "a")
        #expect(try store.plans().map(\.name) == ["a", "b"])
        let (record, secret) = try store.create(NewKey(name: "k", plan: "b"), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        #expect(try lookup.find(digest: try digest(secret))?.key.policies.rateLimits == [limit("1/s")])
        let updated = try #require(
            try store.updatePlan(
                name: "b", rateLimits: [limit("2/s"), limit("100/day")],
                credits: .some(credits("10", refill: "10/day")), now: t0 + 1, actor: "a"))
        #expect(updated.rateLimits == [limit("2/s"), limit("100/day")])
        #expect(updated.quotas.isEmpty)
        #expect(try lookup.find(digest: try digest(secret))?.key.policies == updated.policies)
        #expect(try store.find(id: record.id)?.policies == updated.policies)
        let cleared = try #require(try store.updatePlan(name: "b", credits: .some(nil), now: t0 + 2, actor: "a"))
        #expect(cleared.credits == nil && cleared.rateLimits == updated.rateLimits)
        #expect(try store.updatePlan(name: "missing", rateLimits: [], now: t0, actor: "a") == nil)
        let entry = try #require(try store.auditLog(keyID: nil, limit: 1).first)
        #expect(entry.action == "plan-update" && entry.detail == "plan=b credits=none")
    }

    @Test func usageAddsUpAndFiltersByDay() throws {
        let store = try self.makeStore()
        try store.addUsage([
            (keyID: "k1", day: "2026-03-02", admitted: 5, rejected: 1),
            (keyID: "k1", day: "2026-03-01", admitted: 2, rejected: 0),
            (keyID: "k2", day: "2026-03-01", admitted: 100, rejected: 100),
            (keyID: "k1", day: "2026-03-02", admitted: 1, rejected: 1),
        ])
        try store.addUsage([(keyID: "k1", day: "2026-03-02", admitted: 10, rejected: 0)])
        try store.addUsage([])
        #expect(
            try store.usage(keyID: "k1", sinceDay: nil) == [
                UsageDay(day: "2026-03-01", admitted: 2, rejected: 0),
                UsageDay(day: "2026-03-02", admitted: 16, rejected: 2),
            ])
        #expect(
            try store.usage(keyID: "k1", sinceDay: "2026-03-02")
                == [UsageDay(day: "2026-03-02", admitted: 16, rejected: 2)])
        #expect(try store.usage(keyID: "k1", sinceDay: "2026-03-03").isEmpty)
        #expect(try store.usage(keyID: "nobody", sinceDay: nil).isEmpty)
        // Refused input changes nothing, even for the valid rows before it.
        #expect(throws: KeyValidationError.self) {
            try store.addUsage([
                (keyID: "k1", day: "2026-03-02", admitted: 1, rejected: 0),
                (keyID: "k1", day: "2026-3-2", admitted: 1, rejected: 0),
            ])
        }
        #expect(throws: KeyValidationError.self) {
            try store.addUsage([(keyID: "k1", day: "2026-03-02", admitted: -1, rejected: 0)])
        }
        #expect(try store.usage(keyID: "k1", sinceDay: "2026-03-02").first?.admitted == 16)
        #expect(try store.auditLog(keyID: nil, limit: 10).isEmpty)
    }

    @Test func lookupSeesAnUpdatedLimitRightAfterTheCommit() throws {
        let store = try self.makeStore()
        let (record, secret) = try store.create(NewKey(name: "k", rateLimits: [limit("10/s")]), now: t0, actor: "a")
        let lookup = try KeyLookup(path: self.path)
        let secretDigest = try digest(secret)
        #expect(try lookup.find(digest: secretDigest)?.key.policies.rateLimits == [limit("10/s")])
        _ = try store.update(id: record.id, KeyUpdate(rateLimits: [limit("5/s,burst=1")]), now: t0 + 1, actor: "a")
        #expect(try lookup.find(digest: secretDigest)?.key.policies.rateLimits == [limit("5/s,burst=1")])
        _ = try store.update(id: record.id, KeyUpdate(rateLimits: []), now: t0 + 2, actor: "a")
        #expect(try lookup.find(digest: secretDigest)?.key.policies.isEmpty == true)
    }

    /// Specs that parse but would share a counter word (never written by keygate: a hand-edited row) fail closed
    /// like specs that do not parse; the plan's own per-minute limit plus the key's two per-second ones, for example.
    @Test(arguments: ["UPDATE keys SET rate_limits = '10/s 20/s'", "UPDATE keys SET quotas = '1/day 2/day'"])
    func storedSpecsThatWouldShareACounterWordFailClosed(damage: String) throws {
        try self.unparsableStoredSpecFailsClosed(damage: damage)
    }

    @Test(arguments: [
        "UPDATE keys SET rate_limits = '10/fortnight'",
        "UPDATE keys SET quotas = '100/month garbage'",
        "UPDATE keys SET credits = -5",
        "UPDATE keys SET credit_refill = '10/day'",  // a refill without a balance
        "UPDATE plans SET rate_limits = '1/s,bust=3'",
        "UPDATE keys SET plan = 'ghost'",  // a plan that is gone (foreign keys off)
    ])
    func unparsableStoredSpecFailsClosed(damage: String) throws {
        let store = try self.makeStore()
        let plan = try store.createPlan(name: "free", rateLimits: [limit("100/min")], now: t0, actor: "a")
        let (record, secret) = try store.create(NewKey(name: "k", plan: "free"), now: t0, actor: "a")
        #expect(record.policies == plan.policies)
        let raw = try Connection(path: self.path, mode: .readWrite)
        try raw.execute("PRAGMA foreign_keys = OFF")
        try raw.execute(damage)

        let match = try #require(try KeyLookup(path: self.path).find(digest: try digest(secret)))
        #expect(match.key.policies == PolicySet.invalidLimitSpec)
        #expect(try store.find(id: record.id)?.policies == PolicySet.invalidLimitSpec)
        let evaluation = match.key.policies.evaluating(
            states: Array(repeating: 0, count: match.key.policies.stateCount), cost: 1, nowMicros: t0 * 1_000_000)
        #expect(!evaluation.admitted)
        #expect(evaluation.violated == ["invalid-limit-spec"])
        if damage.contains("plans") {
            #expect(try store.plan(named: "free")?.policies == PolicySet.invalidLimitSpec)
        }
    }
}
