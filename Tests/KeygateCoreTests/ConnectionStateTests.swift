import KeygateCore
import Testing

/// A worker connection's life as values: each transition, each sweep verdict, with no socket.
struct ConnectionStateTests {
    let timeouts = ConnectionTimeouts(requestMillis: 5_000, idleMillis: 75_000, lingerMillis: 2_000)

    /// A connection accepted at 1000 that received one complete request at 1100 (now idle, kept alive).
    func idleConnection() -> ConnectionState {
        var state = ConnectionState(acceptedAtMillis: 1_000)
        let changed1 = state.receive(atMillis: 1_100)
        #expect(changed1)
        state.advance(to: .betweenRequests, completedRequest: true, atMillis: 1_100)
        return state
    }

    // MARK: Transitions

    @Test func aNewConnectionAwaitsItsFirstRequestAndIsNotIdle() {
        let state = ConnectionState(acceptedAtMillis: 1_000)
        #expect(state.phase == .awaitingFirstRequest)
        #expect(state.output == .flushed)
        #expect(state.lastActivityMillis == 1_000)
        #expect(!state.isIdle)
    }

    @Test func aCompleteRequestLeavesItIdle() {
        let state = self.idleConnection()
        #expect(state.phase == .idle)
        #expect(state.lastActivityMillis == 1_100)
        #expect(state.isIdle)
    }

    @Test func aRequestsDeadlineRunsFromItsFirstByteHoweverItTrickles() {
        var state = self.idleConnection()
        let changed2 = state.receive(atMillis: 2_000)
        #expect(changed2)
        state.advance(to: .midRequest, completedRequest: false, atMillis: 2_000)
        #expect(state.phase == .readingRequest(sinceMillis: 2_000))
        for now: Int64 in [2_500, 3_000, 3_500] {
            let changed3 = state.receive(atMillis: now)
            #expect(changed3)
            state.advance(to: .midRequest, completedRequest: false, atMillis: now)
        }
        #expect(state.phase == .readingRequest(sinceMillis: 2_000))
        #expect(state.lastActivityMillis == 3_500)
        #expect(!state.isIdle)
    }

    @Test func aPipelinedRequestStartsItsOwnDeadline() {
        var state = ConnectionState(acceptedAtMillis: 0)
        _ = state.receive(atMillis: 100)
        state.advance(to: .midRequest, completedRequest: false, atMillis: 100)
        // These bytes finish the first request and begin the next one.
        _ = state.receive(atMillis: 900)
        state.advance(to: .midRequest, completedRequest: true, atMillis: 900)
        #expect(state.phase == .readingRequest(sinceMillis: 900))
    }

    @Test func aFinishedProtocolClosesAfterItsOutputAndIgnoresInput() {
        var state = self.idleConnection()
        _ = state.receive(atMillis: 2_000)
        state.advance(to: .finished, completedRequest: true, atMillis: 2_000)
        #expect(state.phase == .closingAfterOutput)
        #expect(!state.isIdle)
        // Still alive (its bytes count as activity) but nothing more goes to the protocol.
        let changed4 = state.receive(atMillis: 2_500)
        #expect(!changed4)
        #expect(state.lastActivityMillis == 2_500)
    }

    @Test func aTCPPeerLingersAfterItsLastAnswerAndAUnixPeerClosesAtOnce() {
        var tcp = self.idleConnection()
        _ = tcp.receive(atMillis: 2_000)
        tcp.advance(to: .finished, completedRequest: true, atMillis: 2_000)
        var unix = tcp
        #expect(tcp.afterFlush(atMillis: 2_010, draining: false, lingersOnClose: true) == .shutDownWriting)
        #expect(tcp.phase == .lingering(sinceMillis: 2_010))
        #expect(unix.afterFlush(atMillis: 2_010, draining: false, lingersOnClose: false) == .close)
        unix.close()
        #expect(unix.phase == .closed)
    }

    @Test func lingeringDiscardsInputWithoutStretchingTheLinger() {
        var state = self.idleConnection()
        _ = state.receive(atMillis: 2_000)
        state.advance(to: .finished, completedRequest: true, atMillis: 2_000)
        _ = state.afterFlush(atMillis: 2_000, draining: false, lingersOnClose: true)
        let changed5 = state.receive(atMillis: 3_000)
        #expect(!changed5)
        #expect(state.lastActivityMillis == 2_000)
        #expect(state.afterFlush(atMillis: 3_000, draining: false, lingersOnClose: true) == .keepOpen)
        #expect(state.verdict(atMillis: 4_000, draining: false, timeouts: self.timeouts) == .keep)
        #expect(state.verdict(atMillis: 4_001, draining: false, timeouts: self.timeouts) == .close(.lingerEnded))
    }

    @Test func blockedOutputIsWatchedOnceAndUnwatchedOnce() {
        var state = self.idleConnection()
        let changed6 = state.blockOutput()
        #expect(changed6)
        let changed7 = state.blockOutput()
        #expect(!changed7)
        #expect(state.output == .blocked)
        #expect(!state.isIdle)
        state.sent(atMillis: 4_000)
        #expect(state.lastActivityMillis == 4_000)
        let changed8 = state.flushOutput()
        #expect(changed8)
        let changed9 = state.flushOutput()
        #expect(!changed9)
        #expect(state.isIdle)
    }

    @Test func aKeptAliveConnectionStaysOpenAfterItsAnswerUnlessDraining() {
        var state = self.idleConnection()
        #expect(state.afterFlush(atMillis: 1_200, draining: false, lingersOnClose: true) == .keepOpen)
        #expect(state.phase == .idle)
        #expect(state.afterFlush(atMillis: 1_200, draining: true, lingersOnClose: false) == .close)
    }

    @Test func aDrainWaitsForARequestInProgress() {
        var state = self.idleConnection()
        _ = state.receive(atMillis: 2_000)
        state.advance(to: .midRequest, completedRequest: false, atMillis: 2_000)
        #expect(state.afterFlush(atMillis: 2_000, draining: true, lingersOnClose: true) == .keepOpen)
        #expect(state.phase == .readingRequest(sinceMillis: 2_000))
    }

    // MARK: Sweep

    @Test func aSilentNewConnectionGetsTheRequestTimeout() {
        let state = ConnectionState(acceptedAtMillis: 1_000)
        #expect(state.verdict(atMillis: 6_000, draining: false, timeouts: self.timeouts) == .keep)
        #expect(
            state.verdict(atMillis: 6_001, draining: false, timeouts: self.timeouts)
                == .close(.noProgress(quietMillis: 5_001)))
    }

    @Test func aTricklingRequestIsCutAtItsDeadline() {
        var state = ConnectionState(acceptedAtMillis: 0)
        for now in stride(from: Int64(1_000), through: 6_000, by: 500) {
            _ = state.receive(atMillis: now)
            state.advance(to: .midRequest, completedRequest: false, atMillis: now)
        }
        #expect(state.verdict(atMillis: 6_000, draining: false, timeouts: self.timeouts) == .keep)
        #expect(
            state.verdict(atMillis: 6_001, draining: false, timeouts: self.timeouts)
                == .close(.requestIncomplete(elapsedMillis: 5_001)))
    }

    @Test func aPeerThatStopsReadingGetsTheRequestTimeoutNotTheIdleOne() {
        var state = self.idleConnection()
        _ = state.blockOutput()
        #expect(state.verdict(atMillis: 6_100, draining: false, timeouts: self.timeouts) == .keep)
        #expect(
            state.verdict(atMillis: 6_101, draining: false, timeouts: self.timeouts)
                == .close(.noProgress(quietMillis: 5_001)))
    }

    @Test func anIdleConnectionIsKeptUntilTheIdleTimeoutOrADrain() {
        let state = self.idleConnection()
        #expect(state.verdict(atMillis: 76_100, draining: false, timeouts: self.timeouts) == .keepIdle)
        #expect(state.verdict(atMillis: 76_101, draining: false, timeouts: self.timeouts) == .close(.idle))
        #expect(state.verdict(atMillis: 1_200, draining: true, timeouts: self.timeouts) == .close(.idle))
    }

    @Test func aDrainLeavesARequestInProgressAlone() {
        var state = self.idleConnection()
        _ = state.receive(atMillis: 2_000)
        state.advance(to: .midRequest, completedRequest: false, atMillis: 2_000)
        #expect(state.verdict(atMillis: 2_050, draining: true, timeouts: self.timeouts) == .keep)
    }
}
