import KeygateCore
import Testing

/// The Redis breaker: when it opens, how it probes, when it closes.
struct CircuitBreakerTests {
    @Test func threeTimeoutsInARowOpenItAtOnce() {
        var breaker = CircuitBreaker()
        breaker.record(.timeout, nowMillis: 0)
        breaker.record(.timeout, nowMillis: 20)
        #expect(breaker.state == .closed)
        breaker.record(.success, nowMillis: 30)  // a success breaks the run
        breaker.record(.timeout, nowMillis: 40)
        breaker.record(.timeout, nowMillis: 60)
        #expect(breaker.permission(nowMillis: 61) == .call)
        breaker.record(.timeout, nowMillis: 80)
        #expect(breaker.state == .open(sinceMillis: 80, lastProbeMillis: 80))
        #expect(breaker.permission(nowMillis: 81) == .skip)
    }

    @Test func halfOfAFullWindowFailingOpensIt() {
        var breaker = CircuitBreaker()
        // Failures never in a row of three timeouts, but 10 of the last 20.
        for index in 0..<19 { breaker.record(index.isMultiple(of: 2) ? .failure : .success, nowMillis: Int64(index)) }
        #expect(breaker.state == .closed, "19 calls are not a full window")
        breaker.record(.success, nowMillis: 19)
        #expect(breaker.state == .open(sinceMillis: 19, lastProbeMillis: 19))
        // 9 failures in 20 keep it closed.
        var healthy = CircuitBreaker()
        for index in 0..<40 {
            healthy.record(index % 20 < 9 ? .failure : .success, nowMillis: Int64(index))
            #expect(healthy.state == .closed, "at call \(index)")
        }
    }

    @Test func itProbesOnceASecondAndASuccessfulProbeClosesIt() {
        var breaker = CircuitBreaker()
        for time in 0..<3 { breaker.record(.timeout, nowMillis: Int64(time)) }
        #expect(breaker.permission(nowMillis: 500) == .skip)
        #expect(breaker.permission(nowMillis: 1_002) == .probe)
        #expect(breaker.permission(nowMillis: 1_003) == .skip, "one probe at a time")
        breaker.record(.timeout, nowMillis: 1_022)
        #expect(breaker.state == .open(sinceMillis: 2, lastProbeMillis: 1_022))
        #expect(breaker.permission(nowMillis: 2_000) == .skip)
        #expect(breaker.permission(nowMillis: 2_022) == .probe)
        breaker.record(.success, nowMillis: 2_023)
        #expect(breaker.state == .closed)
        #expect(breaker.permission(nowMillis: 2_024) == .call)
        // Closed afresh: two timeouts are not three.
        breaker.record(.timeout, nowMillis: 2_030)
        breaker.record(.timeout, nowMillis: 2_050)
        #expect(breaker.state == .closed)
    }

    @Test func aResultOfACallStartedBeforeItOpenedChangesNothing() {
        var breaker = CircuitBreaker(settings: .init(window: 4, consecutiveTimeouts: 2, probeIntervalMillis: 100))
        breaker.record(.timeout, nowMillis: 0)
        breaker.record(.timeout, nowMillis: 1)
        let opened = breaker.state
        breaker.record(.success, nowMillis: 2)
        #expect(breaker.state == opened)
    }
}
