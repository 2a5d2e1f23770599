import KeygateCore
import KeygateTesting
import Testing

struct LimitQuotaPolicyTests {
    typealias T = LimitTime

    @Test(
        arguments: [
            // instant (seconds of a UTC midnight from `date -u`, plus µs), window, expected start and end (seconds)
            (1_738_281_600, T.day - 1, QuotaPolicy.Window.day, 1_738_281_600, 1_738_368_000),  // Jan 31 → Feb 1 2025
            (1_738_368_000, 0, .day, 1_738_368_000, 1_738_454_400),
            (1_738_281_600, T.day - 1, .month, 1_735_689_600, 1_738_368_000),  // January 2025: 31 days
            (1_738_368_000, 0, .month, 1_738_368_000, 1_740_787_200),  // February 2025: 28 days
            (1_709_164_800, 12 * T.hour, .month, 1_706_745_600, 1_709_251_200),  // Feb 29 2024: 29 days
            (1_709_078_400, T.day - 1, .day, 1_709_078_400, 1_709_164_800),  // Feb 28 2024 → Feb 29
            (1_709_164_800, T.day - 1, .day, 1_709_164_800, 1_709_251_200),  // Feb 29 2024 → Mar 1
            (1_740_700_800, T.day - 1, .day, 1_740_700_800, 1_740_787_200),  // Feb 28 2025 → Mar 1
            (4_107_456_000, 0, .month, 4_105_123_200, 4_107_542_400),  // February 2100: not a leap year
            (951_782_400, 0, .month, 949_363_200, 951_868_800),  // February 2000: a leap year
            (1_767_139_200, T.day - 1, .month, 1_764_547_200, 1_767_225_600),  // December 2025 → 2026
            (1_767_225_600, 0, .month, 1_767_225_600, 1_769_904_000),  // January 2026
            (1_714_435_200, 0, .month, 1_711_929_600, 1_714_521_600),  // April 2024: 30 days
            (0, 0, .month, 0, 2_678_400),  // the epoch
        ] as [(Int64, Int64, QuotaPolicy.Window, Int64, Int64)])
    func windowsFollowTheUTCCalendar(
        midnight: Int64, offsetMicros: Int64, window: QuotaPolicy.Window, startSeconds: Int64, endSeconds: Int64
    ) {
        let quota = QuotaPolicy(limit: 10, window: window)
        let now = T.utc(midnight, plus: offsetMicros)
        #expect(quota.windowStartMicros(containing: now) == T.utc(startSeconds))
        #expect(quota.windowEndMicros(containing: now) == T.utc(endSeconds))
        let evaluation = quota.evaluating(state: 0, cost: 1, nowMicros: now)
        #expect(evaluation.resetMicros == T.utc(endSeconds) - now)
        #expect(evaluation.windowMicros == T.utc(endSeconds) - T.utc(startSeconds))
    }

    @Test(arguments: [(QuotaPolicy.Window.day, 20_120 as UInt64), (.month, 661)])
    func stateWordIsWindowIndexAndUsed(window: QuotaPolicy.Window, index: UInt64) {
        // 2025-02-01 12:00 is day 20120 and month 661 (55 years and one month after 1970-01).
        let quota = QuotaPolicy(limit: 10, window: window)
        let now = T.utc(1_738_368_000, plus: 12 * T.hour)
        #expect(quota.windowIndex(containing: now) == Int64(index))
        #expect(quota.evaluating(state: 0, cost: 3, nowMicros: now).newState == index << 32 | 3)
        #expect(quota.evaluating(state: index << 32 | 3, cost: 2, nowMicros: now).newState == index << 32 | 5)
    }

    @Test(arguments: [QuotaPolicy.Window.day, .month])
    func exactlyTheLimitIsAdmitted(window: QuotaPolicy.Window) {
        let quota = QuotaPolicy(limit: 5, window: window)
        let now = T.utc(1_738_368_000, plus: 5 * T.hour)
        var word = LimitWord()
        for used in 1...5 {
            let evaluation = word.request { quota.evaluating(state: $0, cost: 1, nowMicros: now + Int64(used)) }
            #expect(evaluation.admitted)
            #expect(evaluation.remaining == 5 - Int64(used))
            #expect(evaluation.limit == 5)
        }
        let rejected = word.request { quota.evaluating(state: $0, cost: 1, nowMicros: now + 10) }
        #expect(!rejected.admitted)
        #expect(rejected.remaining == 0)
        #expect(rejected.retryAfterMicros == quota.windowEndMicros(containing: now) - now - 10)
        #expect(rejected.retryAfterMicros == rejected.resetMicros)
    }

    @Test(arguments: [
        // exhausted at, next request at (both µs), window, admitted
        (T.utc(1_738_281_600, plus: 23 * T.hour), T.utc(1_738_368_000) - 1, QuotaPolicy.Window.day, false),
        (T.utc(1_738_281_600, plus: 23 * T.hour), T.utc(1_738_368_000), .day, true),  // Jan 31 → Feb 1
        (T.utc(1_738_281_600, plus: 23 * T.hour), T.utc(1_738_368_000), .month, true),
        (T.utc(1_709_164_800, plus: 1), T.utc(1_709_251_200) - 1, .day, false),  // still Feb 29 2024
        (T.utc(1_709_164_800, plus: 1), T.utc(1_709_251_200), .month, true),  // Feb 29 2024 → Mar 1
        (T.utc(1_740_700_800), T.utc(1_740_787_200) - 1, .month, false),  // Feb 28 2025 is February's last day
        (T.utc(1_740_700_800), T.utc(1_740_787_200), .month, true),
        (T.utc(1_767_139_200, plus: T.hour), T.utc(1_767_225_600), .month, true),  // Dec 2025 → Jan 2026
        (T.utc(1_767_139_200, plus: T.hour), T.utc(1_767_225_600), .day, true),
        (T.utc(1_736_899_200), T.utc(1_741_996_800), .month, true),  // Jan 15 → Mar 15: February had no request
        (T.utc(1_736_899_200), T.utc(1_736_899_200) + 100 * T.year, .month, true),
    ])
    func windowsResetOnTheBoundaryWithoutARequestThere(
        exhaustedAt: Int64, nextAt: Int64, window: QuotaPolicy.Window, admitted: Bool
    ) {
        let quota = QuotaPolicy(limit: 3, window: window)
        let state = quota.evaluating(state: 0, cost: 3, nowMicros: exhaustedAt).newState
        let next = quota.evaluating(state: state, cost: 1, nowMicros: nextAt)
        #expect(next.admitted == admitted)
        #expect(next.remaining == (admitted ? 2 : 0))
        if !admitted { #expect(next.retryAfterMicros == 1) }
    }

    @Test func costAboveRemainingConsumesNothing() {
        let quota = QuotaPolicy(limit: 10, window: .day)
        let now = T.newYear2026
        let state = quota.evaluating(state: 0, cost: 8, nowMicros: now).newState
        let tooMuch = quota.evaluating(state: state, cost: 3, nowMicros: now)
        #expect(!tooMuch.admitted)
        #expect(tooMuch.newState == state)
        #expect(tooMuch.remaining == 2)
        #expect(tooMuch.retryAfterMicros == T.day)
        let exact = quota.evaluating(state: state, cost: 2, nowMicros: now)
        #expect(exact.admitted)
        #expect(exact.remaining == 0)
    }

    @Test(arguments: [11, 1_000, Int64.max] as [Int64])
    func costAboveTheLimitIsNeverAdmitted(cost: Int64) {
        let evaluation = QuotaPolicy(limit: 10, window: .month).evaluating(
            state: 0, cost: cost, nowMicros: T.newYear2026)
        #expect(!evaluation.admitted)
        #expect(evaluation.retryAfterMicros == .max)
        #expect(evaluation.remaining == 10)
    }

    @Test func costZeroPeeksWithoutWriting() {
        let quota = QuotaPolicy(limit: 10, window: .day)
        let today = UInt64(quota.windowIndex(containing: T.newYear2026))
        let evaluation = quota.evaluating(state: today << 32 | 4, cost: 0, nowMicros: T.newYear2026)
        #expect(evaluation.admitted)
        #expect(evaluation.remaining == 6)
        #expect(evaluation.newState == today << 32 | 4)
        // An old window's word reads as unused, still without a write.
        let stale = quota.evaluating(state: (today - 1) << 32 | 10, cost: 0, nowMicros: T.newYear2026)
        #expect(stale.remaining == 10)
        #expect(stale.newState == (today - 1) << 32 | 10)
    }

    @Test func clockSteppedBackAcrossABoundaryKeepsTheNewerWindow() {
        // Exhausted at 00:00:01 on Feb 1; the clock then reads 23:59:59 on Jan 31.
        let quota = QuotaPolicy(limit: 2, window: .day)
        let state = quota.evaluating(state: 0, cost: 2, nowMicros: T.utc(1_738_368_000, plus: T.second)).newState
        let back = T.utc(1_738_368_000) - T.second
        let rejected = quota.evaluating(state: state, cost: 1, nowMicros: back)
        #expect(!rejected.admitted)
        #expect(rejected.retryAfterMicros == T.day + T.second)  // until February 1 ends
        // With room left, the count stays in February's window.
        let partial = quota.evaluating(state: 0, cost: 1, nowMicros: T.utc(1_738_368_000, plus: T.second)).newState
        let admitted = quota.evaluating(state: partial, cost: 1, nowMicros: back)
        #expect(admitted.admitted)
        #expect(admitted.newState == partial + 1)
    }

    @Test(arguments: [2 as UInt64, 5, 1_000, UInt64(UInt32.max)])
    func corruptFutureWindowReadsAsFresh(ahead: UInt64) {
        let quota = QuotaPolicy(limit: 10, window: .day)
        let today = UInt64(quota.windowIndex(containing: T.newYear2026))
        let index = min(today + ahead, UInt64(UInt32.max))
        let evaluation = quota.evaluating(state: index << 32 | 0xFFFF_FFFF, cost: 1, nowMicros: T.newYear2026)
        #expect(evaluation.admitted)
        #expect(evaluation.remaining == 9)
        #expect(evaluation.newState == today << 32 | 1)
    }

    @Test func arbitraryWordsAndClocksNeverTrap() {
        var random = SeededRandom(seed: 7)
        let quotas = [
            QuotaPolicy(limit: 10, window: .day), QuotaPolicy(limit: 1_000_000_000, window: .month),
            QuotaPolicy(limit: -3, window: .day), QuotaPolicy(limit: .max, window: .month),
        ]
        for quota in quotas {
            for _ in 0..<500 {
                let state = random.next() >> (random.next() % 64)
                let now = Int64(bitPattern: random.next()) >> (random.next() % 64)
                let cost = Int64(bitPattern: random.next()) >> (random.next() % 64)
                let evaluation = quota.evaluating(state: state, cost: cost, nowMicros: now)
                #expect(evaluation.remaining >= 0 && evaluation.remaining <= UInt32.max)
                #expect(evaluation.resetMicros > 0)
                #expect(evaluation.windowMicros >= T.day)
                if !evaluation.admitted { #expect(evaluation.newState == state) }
                _ = quota.windowStartMicros(containing: now) + quota.windowEndMicros(containing: now)
            }
        }
    }

    @Test func monthWindowsMatchACountedCalendar() {
        // Walk every month from 1970-01 to 2255-05 with the Gregorian leap rule, independently of the code.
        let dayQuota = QuotaPolicy(limit: 1, window: .day)
        let monthQuota = QuotaPolicy(limit: 1, window: .month)
        let latestClock: Int64 = (1 << 53) - 1  // 2255-06-05: later clocks read as this instant
        var start: Int64 = 0
        var months = 0
        for year in Int64(1970)...2255 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            for days in [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as [Int64] {
                let end = start + days * T.day
                guard end <= latestClock else { break }
                for now in [start, start + T.day - 1, end - 1] {
                    #expect(monthQuota.windowStartMicros(containing: now) == start)
                    #expect(monthQuota.windowEndMicros(containing: now) == end)
                }
                #expect(dayQuota.windowEndMicros(containing: end - 1) == end)
                #expect(monthQuota.evaluating(state: 0, cost: 1, nowMicros: start).windowMicros == days * T.day)
                start = end
                months += 1
            }
        }
        #expect(months == 285 * 12 + 5)
        #expect(monthQuota.windowStartMicros(containing: .max) == T.utc(9_006_768_000))  // 2255-06-01
        #expect(monthQuota.windowStartMicros(containing: .min) == 0)
    }
}
