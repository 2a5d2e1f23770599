import Testing

@testable import KeygateCore

struct LogLineLimiterTests {
    typealias Limiter = LogLineLimiter<String>

    @Test func writesTheFirstLinesOfAWindowAndCountsTheRest() {
        var limiter = Limiter(linesPerWindow: 3, windowMillis: 1_000)
        let writes = (0..<10).map { limiter.admitting("bad head", at: 100 + Int64($0)).writes }
        #expect(writes == [true, true, true, false, false, false, false, false, false, false])
        // The window rolls: the count is reported once, before the next line, which is written.
        let next = limiter.admitting("bad head", at: 1_100)
        #expect(next == Limiter.Verdict(writes: true, reports: [Limiter.Report(template: "bad head", count: 7)]))
        #expect(limiter.admitting("bad head", at: 1_101).reports.isEmpty)
    }

    @Test func templatesAreLimitedSeparately() {
        var limiter = Limiter(linesPerWindow: 1, windowMillis: 1_000)
        #expect(limiter.admitting("a", at: 0).writes)
        #expect(limiter.admitting("b", at: 0).writes)
        #expect(!limiter.admitting("a", at: 1).writes)
        #expect(!limiter.admitting("b", at: 1).writes)
        #expect(!limiter.admitting("b", at: 2).writes)
    }

    @Test func anotherTemplateReportsAFloodThatStopped() {
        var limiter = Limiter(linesPerWindow: 2, windowMillis: 1_000)
        for offset in 0..<5 { _ = limiter.admitting("flood", at: Int64(offset)) }
        #expect(limiter.admitting("other", at: 999).reports.isEmpty)
        let verdict = limiter.admitting("other", at: 1_000)
        #expect(verdict.writes)
        #expect(verdict.reports == [Limiter.Report(template: "flood", count: 3)])
        #expect(limiter.admitting("other", at: 5_000).reports.isEmpty, "reported twice")
    }

    @Test func varyingTemplatesShareOneBoundedOverflowEntry() {
        var limiter = Limiter(linesPerWindow: 2, windowMillis: 1_000, maxTemplates: 4)
        let written = (0..<100).filter { limiter.admitting("message \($0)", at: 10).writes }.count
        #expect(written == 4 + 2)
        #expect(limiter.windows.count == 4)
        #expect(limiter.admitting("message 1000", at: 1_010).reports.contains(Limiter.Report(template: nil, count: 94)))
        // Quiet templates whose windows ended make room again.
        #expect(limiter.windows["message 1000"] != nil)
    }

    @Test func aFloodOverManyWindowsWritesABoundedNumberOfLines() {
        var limiter = Limiter(linesPerWindow: 10, windowMillis: 10_000)
        var lines = 0
        var suppressed = 0
        for index in 0..<100_000 {
            let verdict = limiter.admitting("closing connection", at: Int64(index))  // 1 line per ms for 100 s
            lines += (verdict.writes ? 1 : 0) + verdict.reports.count
            suppressed += verdict.reports.reduce(0) { $0 + $1.count }
        }
        #expect(lines == 10 * 10 + 9)
        #expect(suppressed == 9 * (10_000 - 10))
    }
}
