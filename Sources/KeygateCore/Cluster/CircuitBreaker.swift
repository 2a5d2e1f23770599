/// Whether the agent may call Redis now: closed (call), open (don't: use the local share) or half-open (one probe).
///
/// Pure: the caller hands in each call's result and the monotonic time. It opens when at least half of the last
/// ``Settings/window`` calls failed (once that many were made), or after ``Settings/consecutiveTimeouts`` timeouts in a
/// row: a stopped Redis that accepts connections and never answers trips it within three deadlines. While open it
/// allows one probe every ``Settings/probeIntervalMillis``; a probe that succeeds closes it (decisions return to the
/// shared limits within a probe interval of Redis coming back), one that fails keeps it open.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// Calls judged together for the failure ratio.
        public var window: Int
        /// Timeouts in a row that open the breaker at once.
        public var consecutiveTimeouts: Int
        public var probeIntervalMillis: Int64

        /// Unkey's numbers, with a shorter probe (scaleout.md, 4.5).
        public init(window: Int = 20, consecutiveTimeouts: Int = 3, probeIntervalMillis: Int64 = 1_000) {
            precondition(window > 0 && consecutiveTimeouts > 0 && probeIntervalMillis > 0, "positive settings")
            self.window = window
            self.consecutiveTimeouts = consecutiveTimeouts
            self.probeIntervalMillis = probeIntervalMillis
        }
    }

    /// How one call ended.
    public enum Result: Sendable, Equatable {
        case success
        /// An answer that is an error, a broken connection, a refused connection.
        case failure
        /// No answer within the call's deadline.
        case timeout
    }

    public enum State: Sendable, Equatable {
        case closed
        /// Since `sinceMillis`; the last probe (or the opening) was at `lastProbeMillis`.
        case open(sinceMillis: Int64, lastProbeMillis: Int64)
        /// One probe is out; its result decides.
        case halfOpen(sinceMillis: Int64)
    }

    /// What the caller should do about the call it is about to make.
    public enum Permission: Sendable, Equatable {
        case call
        /// The breaker is open, but this call may go as the probe; report its result like any other.
        case probe
        /// Don't call: decide from the local share.
        case skip
    }

    public let settings: Settings
    public private(set) var state = State.closed
    /// The last results, oldest first (at most `settings.window`), while closed.
    private var recent: [Bool] = []
    private var timeoutsInARow = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Whether a call may be made at `nowMillis`; a ``Permission/probe`` moves the breaker to half-open.
    public mutating func permission(nowMillis: Int64) -> Permission {
        switch self.state {
        case .closed:
            return .call
        case .halfOpen:
            return .skip  // the probe is still out
        case .open(let since, let lastProbe):
            guard nowMillis - lastProbe >= self.settings.probeIntervalMillis else { return .skip }
            self.state = .halfOpen(sinceMillis: since)
            return .probe
        }
    }

    /// Records how a call ended at `nowMillis`.
    public mutating func record(_ result: Result, nowMillis: Int64) {
        switch self.state {
        case .halfOpen(let since):
            if result == .success {
                self.close()
            } else {
                self.state = .open(sinceMillis: since, lastProbeMillis: nowMillis)
            }
        case .open:
            break  // a call that started before the breaker opened: it changes nothing
        case .closed:
            self.recent.append(result == .success)
            if self.recent.count > self.settings.window { self.recent.removeFirst() }
            self.timeoutsInARow = result == .timeout ? self.timeoutsInARow + 1 : 0
            let failures = self.recent.count { !$0 }
            if self.timeoutsInARow >= self.settings.consecutiveTimeouts
                || (self.recent.count == self.settings.window && failures * 2 >= self.settings.window)
            {
                self.state = .open(sinceMillis: nowMillis, lastProbeMillis: nowMillis)
            }
        }
    }

    private mutating func close() {
        self.state = .closed
        self.recent = []
        self.timeoutsInARow = 0
    }
}
