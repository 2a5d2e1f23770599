/// The two fields of a Linux `/proc/<pid>/stat` line that keygate reads: the scheduler state and the start time.
///
/// The line is `pid (comm) state ppid …`; `comm` may hold spaces and parentheses, so fields are counted from the
/// last `)`. `startTime` (field 22) is in clock ticks since boot: with the pid it names one process for its lifetime.
public struct ProcessStat: Sendable, Equatable {
    /// One letter: `R` running, `S` sleeping, `D` waiting on I/O, `T` stopped, `t` stopped by a tracer, `Z` zombie…
    public var state: UInt8
    public var startTime: UInt64

    public init(state: UInt8, startTime: UInt64) {
        self.state = state
        self.startTime = startTime
    }

    /// Parses one stat line; `nil` when it does not have the shape above.
    public init?<Bytes: BidirectionalCollection>(statLine: Bytes) where Bytes.Element == UInt8 {
        guard let close = statLine.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After ") ": field 3 (state) is field index 0 here, field 22 (starttime) is index 19.
        var index = statLine.index(after: close)
        var field = -1
        var state: UInt8 = 0
        var startTime: UInt64 = 0
        var digits = 0
        var inField = false
        while index != statLine.endIndex && field <= 19 {
            let byte = statLine[index]
            index = statLine.index(after: index)
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                inField = false
                continue
            }
            if !inField {
                inField = true
                field += 1
                if field == 0 { state = byte }
            } else if field == 0 {
                return nil  // the state is exactly one letter
            }
            if field == 19 {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"), digits < 19 else { return nil }
                startTime = startTime * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            }
        }
        guard field >= 19, digits > 0 else { return nil }
        self.init(state: state, startTime: startTime)
    }

    /// Stopped by a signal (`SIGSTOP`, `SIGTSTP`) or by a debugger: it will not run until someone continues it.
    public var isStopped: Bool { self.state == UInt8(ascii: "T") || self.state == UInt8(ascii: "t") }

    /// Exited (a zombie not yet reaped, or dead): it will never run again.
    public var hasExited: Bool { self.state == UInt8(ascii: "Z") || self.state == UInt8(ascii: "X") }
}
