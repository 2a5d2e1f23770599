import KeygateCore
import Testing

/// Parsing of limit, quota and credit specs, and the messages of ``LimitSpecError``.
struct LimitSpecErrorTests {
    typealias T = LimitTime

    @Test(
        arguments: [
            ("100/s", 100, T.second, 100, "100-per-s"), ("100/sec", 100, T.second, 100, "100-per-s"),
            ("100/second", 100, T.second, 100, "100-per-s"), ("100/min", 100, T.minute, 100, "100-per-min"),
            ("100/minute", 100, T.minute, 100, "100-per-min"), ("5/h", 5, T.hour, 5, "5-per-hour"),
            ("5/hour", 5, T.hour, 5, "5-per-hour"), ("9/d", 9, T.day, 9, "9-per-day"),
            ("9/day", 9, T.day, 9, "9-per-day"),
            ("100/MIN", 100, T.minute, 100, "100-per-min"), (" 100 / min ", 100, T.minute, 100, "100-per-min"),
            ("100/min,burst=20", 100, T.minute, 20, "100-per-min"),
            ("100/min, burst = 250", 100, T.minute, 250, "100-per-min"),
            ("007/s", 7, T.second, 7, "7-per-s"),
            ("1000000000/s", 1_000_000_000, T.second, 1_000_000_000, "1000000000-per-s"),
            ("1/day,BURST=1000000000", 1, T.day, 1_000_000_000, "1-per-day"),
        ] as [(String, Int64, Int64, Int64, String)])
    func rateLimitSpellings(spec: String, limit: Int64, periodMicros: Int64, burst: Int64, name: String) throws {
        let policy = try RateLimitPolicy.parse(spec)
        #expect(policy == RateLimitPolicy(limit: limit, periodMicros: periodMicros, burst: burst, name: name))
    }

    @Test(arguments: [
        ("10/fortnight", "limit '10/fortnight': unknown unit (use s, min, hour, day)"),
        ("10/month", "limit '10/month': unknown unit (use s, min, hour, day)"),
        ("10/m", "limit '10/m': unknown unit (use s, min, hour, day)"),
        ("10/mins", "limit '10/mins': unknown unit (use s, min, hour, day)"),
        ("0/min", "limit '0/min': the count must be at least 1"),
        ("-5/min", "limit '-5/min': the count must be at least 1"),
        ("+5/min", "limit '+5/min': '+5' is not a whole number"),
        ("1.5/s", "limit '1.5/s': '1.5' is not a whole number"),
        ("1e3/s", "limit '1e3/s': '1e3' is not a whole number"),
        ("1_000/s", "limit '1_000/s': '1_000' is not a whole number"),
        ("١٠/s", "limit '١٠/s': '١٠' is not a whole number"),
        ("1000000001/s", "limit '1000000001/s': the count must be at most 1000000000"),
        ("99999999999999999999999/s", "limit '99999999999999999999999/s': the count must be at most 1000000000"),
        ("100", "limit '100': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("", "limit '': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("/min", "limit '/min': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("100/", "limit '100/': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("100/min/s", "limit '100/min/s': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("100/min,", "limit '100/min,': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("100/min,burst", "limit '100/min,burst': expected N/unit or N/unit,burst=B, e.g. 100/min"),
        ("100/min,burst=0", "limit '100/min,burst=0': burst must be at least 1"),
        ("100/min,burst=-1", "limit '100/min,burst=-1': burst must be at least 1"),
        ("100/min,burst=", "limit '100/min,burst=': '' is not a whole number"),
        ("100/min,burst=2000000000", "limit '100/min,burst=2000000000': burst must be at most 1000000000"),
        ("100/min,brust=5", "limit '100/min,brust=5': unknown option 'brust' (use burst=N)"),
        ("100/min,burst=5,burst=6", "limit '100/min,burst=5,burst=6': option 'burst' given twice"),
        ("100/min;burst=5", "limit '100/min;burst=5': unknown unit (use s, min, hour, day)"),
    ])
    func rejectedRateLimits(spec: String, message: String) {
        #expect(throws: LimitSpecError.self) { try RateLimitPolicy.parse(spec) }
        do {
            _ = try RateLimitPolicy.parse(spec)
        } catch {
            #expect(error.description == message)
            #expect(error.input == spec)
            #expect(error.kind == "limit")
        }
    }

    @Test(
        arguments: [
            ("10000/day", 10_000, QuotaPolicy.Window.day, "10000-per-day"), ("10/d", 10, .day, "10-per-day"),
            ("1000000/month", 1_000_000, .month, "1000000-per-month"), (" 5 / Month ", 5, .month, "5-per-month"),
        ] as [(String, Int64, QuotaPolicy.Window, String)])
    func quotaSpellings(spec: String, limit: Int64, window: QuotaPolicy.Window, name: String) throws {
        #expect(try QuotaPolicy.parse(spec) == QuotaPolicy(limit: limit, window: window, name: name))
    }

    @Test(arguments: [
        ("10/week", "quota '10/week': unknown unit (use day, month)"),
        ("10/min", "quota '10/min': unknown unit (use day, month)"),
        ("10/mo", "quota '10/mo': unknown unit (use day, month)"),
        ("0/day", "quota '0/day': the count must be at least 1"),
        ("-1/month", "quota '-1/month': the count must be at least 1"),
        ("lots/day", "quota 'lots/day': 'lots' is not a whole number"),
        ("10/day,burst=5", "quota '10/day,burst=5': unknown unit (use day, month)"),
        ("1000000001/month", "quota '1000000001/month': the count must be at most 1000000000"),
        ("month", "quota 'month': expected N/day or N/month, e.g. 10000/day"),
    ])
    func rejectedQuotas(spec: String, message: String) {
        #expect(throws: LimitSpecError.self) { try QuotaPolicy.parse(spec) }
        do { _ = try QuotaPolicy.parse(spec) } catch { #expect(error.description == message) }
    }

    @Test(
        arguments: [
            ("5000", nil, 5000, CreditPolicy.Refill.none), ("0", "1000/day", 0, .daily(amount: 1000)),
            ("5000", "1000/d", 5000, .daily(amount: 1000)),
            ("5000", "1000/month", 5000, .monthly(amount: 1000, day: 1)),
            ("5000", "1000/month@15", 5000, .monthly(amount: 1000, day: 15)),
            (" 5 ", "1 / Month @ 31", 5, .monthly(amount: 1, day: 31)),
        ] as [(String, String?, Int64, CreditPolicy.Refill)])
    func creditSpellings(initial: String, refill: String?, balance: Int64, expected: CreditPolicy.Refill) throws {
        #expect(
            try CreditPolicy.parse(initial: initial, refill: refill) == CreditPolicy(initial: balance, refill: expected)
        )
    }

    @Test(
        arguments: [
            ("-1", nil, "credits '-1': the initial balance must be at least 0"),
            ("5k", nil, "credits '5k': '5k' is not a whole number"),
            ("", nil, "credits '': '' is not a whole number"),
            ("2000000000", nil, "credits '2000000000': the initial balance must be at most 1000000000"),
            ("10", "0/day", "refill '0/day': the refill amount must be at least 1"),
            ("10", "100/week", "refill '100/week': unknown unit (use day, month)"),
            ("10", "100/hour", "refill '100/hour': unknown unit (use day, month)"),
            ("10", "100/month@0", "refill '100/month@0': the refill day must be 1-31, and only N/month takes one"),
            ("10", "100/month@32", "refill '100/month@32': the refill day must be 1-31, and only N/month takes one"),
            ("10", "100/month@100", "refill '100/month@100': the refill day must be 1-31, and only N/month takes one"),
            ("10", "100/day@5", "refill '100/day@5': the refill day must be 1-31, and only N/month takes one"),
            ("10", "100/month@", "refill '100/month@': '' is not a whole number"),
            ("10", "100/month@1st", "refill '100/month@1st': '1st' is not a whole number"),
            (
                "10", "100/month@1@2",
                "refill '100/month@1@2': expected N/day, N/month or N/month@DAY, e.g. 1000/month@15"
            ),
            ("10", "", "refill '': expected N/day, N/month or N/month@DAY, e.g. 1000/month@15"),
        ] as [(String, String?, String)])
    func rejectedCredits(initial: String, refill: String?, message: String) {
        #expect(throws: LimitSpecError.self) { try CreditPolicy.parse(initial: initial, refill: refill) }
        do { _ = try CreditPolicy.parse(initial: initial, refill: refill) } catch {
            #expect(error.description == message)
        }
    }

    @Test(arguments: ["burst", "free tier", #"a"b\c"#, String(repeating: "x", count: 64), "~!@#$%^&*()"])
    func givenNamesAreKept(name: String) throws {
        #expect(try RateLimitPolicy.parse("1/s", name: name).name == name)
        #expect(try QuotaPolicy.parse("1/day", name: name).name == name)
        #expect(try CreditPolicy.parse(initial: "1", refill: nil, name: name).name == name)
    }

    @Test(arguments: ["", String(repeating: "x", count: 65), "café", "tab\t", "line\n", "\u{7F}"])
    func invalidNamesAreRejected(name: String) {
        let message = "name '\(name)': a policy name must be 1-64 printable ASCII characters"
        #expect(throws: LimitSpecError(kind: "name", input: name, reason: .invalidName)) {
            try RateLimitPolicy.parse("1/s", name: name)
        }
        do { _ = try QuotaPolicy.parse("1/day", name: name) } catch { #expect(error.description == message) }
        do { _ = try CreditPolicy.parse(initial: "1", refill: nil, name: name) } catch {
            #expect(error.description == message)
        }
    }

    @Test func parseErrorsAreTyped() {
        #expect(throws: LimitSpecError(kind: "limit", input: "0/s", reason: .tooSmall(what: "the count", minimum: 1))) {
            try RateLimitPolicy.parse("0/s")
        }
        #expect(throws: LimitSpecError(kind: "quota", input: "1/week", reason: .unknownUnit(allowed: "day, month"))) {
            try QuotaPolicy.parse("1/week")
        }
    }

    @Test(arguments: [("1", 1), ("0", 0), (" 25 ", 25), ("1000000000", 1_000_000_000)] as [(String, Int64)])
    func costs(text: String, cost: Int64) throws {
        #expect(try PolicySet.parseCost(text) == cost)
    }

    @Test(arguments: [
        ("-1", "cost '-1': the cost must be at least 0"), ("", "cost '': '' is not a whole number"),
        ("1.5", "cost '1.5': '1.5' is not a whole number"),
        ("1000000001", "cost '1000000001': the cost must be at most 1000000000"),
    ])
    func rejectedCosts(text: String, message: String) {
        #expect(throws: LimitSpecError.self) { try PolicySet.parseCost(text) }
        do { _ = try PolicySet.parseCost(text) } catch { #expect(error.description == message) }
    }
}
