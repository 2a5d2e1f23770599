import KeygateCore
import Testing

struct ProcessStatTests {
    @Test func readsStateAndStartTimeOfARealLine() throws {
        let line =
            "11857 (cat) R 11855 11855 3546 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 45496 3133440 379 "
            + "18446744073709551615 94224217788416 0 0 17 1 0 0\n"
        let stat = try #require(ProcessStat(statLine: Array(line.utf8)))
        #expect(stat == ProcessStat(state: UInt8(ascii: "R"), startTime: 45496))
        #expect(!stat.isStopped && !stat.hasExited)
    }

    @Test func countsFieldsFromTheLastParenthesisOfTheCommand() throws {
        // A command name may hold spaces and parentheses: "a) T (b".
        let line = "42 (a) T (b) t 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 987654321 0 0"
        let stat = try #require(ProcessStat(statLine: Array(line.utf8)))
        #expect(stat.state == UInt8(ascii: "t"))
        #expect(stat.startTime == 987_654_321)
        #expect(stat.isStopped)
    }

    @Test(arguments: [
        "", "42 cat R 1", "42 (cat) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
        "42 (cat) RS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
        "42 (cat) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x 0",
    ])
    func refusesLinesOfAnotherShape(_ line: String) {
        #expect(ProcessStat(statLine: Array(line.utf8)) == nil)
    }

    @Test func stoppedAndExitedStates() {
        for (letter, stopped, exited) in [
            ("T", true, false), ("t", true, false), ("Z", false, true),
            ("X", false, true), ("S", false, false), ("D", false, false),
        ] {
            let stat = ProcessStat(state: UInt8(ascii: Unicode.Scalar(letter)!), startTime: 1)
            #expect(stat.isStopped == stopped && stat.hasExited == exited, "state \(letter)")
        }
    }
}

struct LeaseWordTests {
    @Test func packsPidHoldSequenceAndStartTimeTag() {
        let word = LeaseWord(pid: 4_194_303, startTime: (1 << 50) | 12_345, sequence: 1_023)
        #expect(word.pid == 4_194_303)
        #expect(word.sequence == 1_023)
        #expect(word.startTag == (1 << 50 | 12_345) & LeaseWord.tagMask)
        #expect(LeaseWord(rawValue: word.rawValue) == word)
        #expect(word.rawValue != 0)
        // Two holds in a row by one process are different words; the sequence wraps without touching pid or tag.
        let next = LeaseWord(pid: 4_194_303, startTime: (1 << 50) | 12_345, sequence: 1_024)
        #expect(next.sequence == 0 && next.pid == word.pid && next.startTag == word.startTag)
        #expect(next != word)
    }

    @Test func aLiveOwnerIsNeverGoneHoweverLongItHolds() {
        let word = LeaseWord(pid: 300, startTime: 777)
        for state in ["R", "S", "D", "T", "t"] {
            let stat = ProcessStat(state: UInt8(ascii: Unicode.Scalar(state)!), startTime: 777)
            #expect(!word.ownerIsGone(now: stat), "state \(state)")
        }
    }

    @Test func anExitedOrReplacedOwnerIsGone() {
        let word = LeaseWord(pid: 300, startTime: 777)
        #expect(word.ownerIsGone(now: ProcessStat(state: UInt8(ascii: "Z"), startTime: 777)))
        // The pid now names a process started at another time: the owner is gone and its pid reused.
        #expect(word.ownerIsGone(now: ProcessStat(state: UInt8(ascii: "S"), startTime: 778)))
        // Only the tag's 32 bits are compared.
        #expect(!word.ownerIsGone(now: ProcessStat(state: UInt8(ascii: "S"), startTime: 1 << 32 | 777)))
    }

    @Test func withoutATagPidReuseCannotBeTold() {
        let word = LeaseWord(pid: 300, startTime: 0)
        #expect(!word.ownerIsGone(now: ProcessStat(state: UInt8(ascii: "S"), startTime: 999)))
        #expect(word.ownerIsGone(now: ProcessStat(state: UInt8(ascii: "Z"), startTime: 999)))
    }
}

struct StuckLeaseMemoTests {
    @Test func aRememberedLeaseIsStuckUntilRecheckTime() {
        var memo = StuckLeaseMemo()
        #expect(memo.verdict(record: 1, word: 9, nowMillis: 1_000) == .unknown)
        memo.remember(record: 1, word: 9, nowMillis: 1_000)
        #expect(memo.verdict(record: 1, word: 9, nowMillis: 1_099) == .stuck)
        #expect(memo.verdict(record: 1, word: 9, nowMillis: 1_100) == .recheck)
        memo.remember(record: 1, word: 9, nowMillis: 1_100)
        #expect(memo.verdict(record: 1, word: 9, nowMillis: 1_150) == .stuck)
        // Another record, or the same record under another word, is not stuck.
        #expect(memo.verdict(record: 2, word: 9, nowMillis: 1_150) == .unknown)
        #expect(memo.verdict(record: 1, word: 8, nowMillis: 1_150) == .unknown)
        #expect(memo.isEmpty, "an entry whose word changed is dropped")
    }

    @Test func forgettingAndCapacity() {
        var memo = StuckLeaseMemo()
        for record in 0..<StuckLeaseMemo.capacity + 2 {
            memo.remember(record: record, word: 5, nowMillis: Int64(record))
        }
        #expect(memo.count == StuckLeaseMemo.capacity)
        #expect(memo.verdict(record: 0, word: 5, nowMillis: 10) == .unknown, "the oldest entry went")
        #expect(memo.verdict(record: 5, word: 5, nowMillis: 10) == .stuck)
        memo.forget(record: 5)
        #expect(memo.verdict(record: 5, word: 5, nowMillis: 10) == .unknown)
    }
}

struct StuckWorkerWatchTests {
    let stopped = ProcessStat(state: UInt8(ascii: "T"), startTime: 1)
    let running = ProcessStat(state: UInt8(ascii: "R"), startTime: 1)

    @Test func killsOnlyAfterBeingSeenStoppedPastTheTimeout() {
        var watch = StuckWorkerWatch(timeoutMillis: 2_000)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 10_000) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 11_000) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 12_000) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 12_001) == 2_001)
    }

    @Test func runningAgainRestartsTheClock() {
        var watch = StuckWorkerWatch(timeoutMillis: 2_000)
        _ = watch.observe(pid: 7, stat: self.stopped, nowMillis: 10_000)
        #expect(watch.observe(pid: 7, stat: self.running, nowMillis: 11_000) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 12_500) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 13_000) == nil)
        #expect(watch.observe(pid: 7, stat: nil, nowMillis: 13_500) == nil)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 16_000) == nil)
        watch.forget(pid: 7)
        #expect(watch.observe(pid: 7, stat: self.stopped, nowMillis: 19_000) == nil)
        #expect(watch.observe(pid: 8, stat: self.stopped, nowMillis: 19_000) == nil)
        #expect(watch.observe(pid: 8, stat: self.stopped, nowMillis: 21_001) == 2_001)
    }
}

struct LogThrottleTests {
    @Test func onePerIntervalWithTheCountHeldBack() {
        var throttle = LogThrottle(intervalMillis: 10_000)
        #expect(throttle.allowing(nowMillis: 5) == 0)
        #expect(throttle.allowing(nowMillis: 6) == nil)
        #expect(throttle.allowing(nowMillis: 10_004) == nil)
        #expect(throttle.allowing(nowMillis: 10_005) == 2)
        #expect(throttle.allowing(nowMillis: 30_000) == 0)
    }
}
