import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem
public import KeygateZone
public import Logging

/// The one process per host that talks to Redis for the workers: it leases rate-limit and quota permits into the
/// shared ``ClusterLeaseTable`` when workers ask, gives back what they did not spend, and tells them when Redis cannot
/// be reached so that they fall back to the outage share.
///
/// Sizing follows `docs` of several hosts (scaleout §4.2–4.4): a rate limit's lease is `k = clamp(⌈λ·50 ms⌉, 1,
/// max(1, ⌊b / 2N⌋))` and a quota's chunk `clamp(⌈λ·1 s⌉, 1, max(1, ⌊(Q − used) / 2N⌋))`, λ this host's admits per
/// second for the key and N the hosts seen in the last 5 s. Rate permits are good for ``Settings/rateLeaseMillis``;
/// what is left after goes back to Redis. Every Redis call has a deadline, and a ``CircuitBreaker`` stops calling a
/// Redis that fails or stalls, probing it once a second.
public final class ClusterAgent {
    public struct Settings: Sendable, Equatable {
        /// This host's name among the hosts (`--cluster-node`).
        public var nodeID: String
        /// The most hosts there will be (`--cluster-max-nodes`): each takes `1/maxNodes` of a rate limit in an outage.
        public var maxNodes: Int64
        /// Deadline of one lease call (and of every other call the agent makes).
        public var callTimeoutMillis: Int = 20
        /// How long leased rate permits are good.
        public var rateLeaseMillis: Int64 = 1_000
        /// How often the agent heartbeats into Redis's member set and checks whether Redis restarted.
        public var membershipMillis: Int64 = 1_000

        public init(nodeID: String, maxNodes: Int64) {
            self.nodeID = nodeID
            self.maxNodes = max(maxNodes, 1)
        }
    }

    /// What the agent knows of a slot it has served.
    struct SlotState {
        var owner: UInt64
        var keyID: String
        var policies: PolicySet
        /// This host's admitted count of the key when last seen, and when, for the rate estimate.
        var admitted: UInt64
        var seenMicros: Int64
        /// Admits per second on this host (an exponentially weighted average).
        var rate: Double = 0
        /// The highest count Redis reported per quota (by position) and window: the checkpoint for a reseed.
        var quotaUsed: [Int: (window: Int64, checkpoint: RedisQuotaLease.Checkpoint)] = [:]
        /// The credit balance as Redis last reported it: its checkpoint for a reseed.
        var creditCheckpoint: RedisCreditLease.Checkpoint?
        /// When the slot was last looked up in the key store (limits may have changed).
        var loadedMillis: Int64
    }

    public let settings: Settings
    private let table: ClusterLeaseTable
    private let counters: CounterTable?
    private let databasePath: String
    private let connection: any RedisCalling
    /// Set when a call could not reach Redis: the next connection may reach a Redis that restarted without its data,
    /// so its run id is read before anything is leased.
    private var reconnecting = true
    private let rates: RedisRateLease
    private let quotas: RedisQuotaLease
    private let credits: RedisCreditLease
    private var breaker = CircuitBreaker()
    private var slots: [Int: SlotState] = [:]
    private var store: KeyStore?
    private var nodes: Int64 = 1
    private var runID: String?
    /// Set when Redis came back with another run id: each quota's next lease carries its checkpoint.
    private var reseedWindows: Set<String> = []
    private var logThrottle = LogThrottle(intervalMillis: 5_000)
    private let logger: Logger
    /// Counts for the closing numbers: Redis calls made, and permits leased.
    public private(set) var redisCalls = 0

    /// Whether the agent leases limits from Redis (`--limits-from`); without, it only keeps its heartbeat (its
    /// ``KeyMirror`` runs on a thread of its own).
    private let leases: Bool

    /// An agent leasing from Redis at `redisHost:redisPort` (`nil`: no Redis).
    public init(
        settings: Settings, table: ClusterLeaseTable, counters: CounterTable?, databasePath: String,
        redis: (any RedisCalling)?, logger: Logger
    ) {
        self.leases = redis != nil
        self.settings = settings
        self.table = table
        self.counters = counters
        self.databasePath = databasePath
        self.connection = redis ?? RedisConnection(host: "127.0.0.1", port: 1)  // never called without Redis
        self.rates = RedisRateLease(redis: self.connection, timeoutMillis: settings.callTimeoutMillis)
        self.quotas = RedisQuotaLease(redis: self.connection, timeoutMillis: settings.callTimeoutMillis)
        self.credits = RedisCreditLease(redis: self.connection, timeoutMillis: settings.callTimeoutMillis)
        self.logger = logger
        table.setFallbackNodes(settings.maxNodes)
        // Opened now, not at the first cold key: a worker waits for that answer.
        self.store = try? KeyStore(path: databasePath, create: false)
    }

    /// Serves until `stop()` says so (checked at least every 20 ms), then gives back every unspent permit.
    public func run(stop: () -> Bool) {
        var seen: UInt32 = 0
        var lastSweep: Int64 = 0
        var lastMembership: Int64 = 0
        while !stop() {
            self.publish()
            let nowMillis = Clock.monotonicMillis()
            if self.leases {
                if nowMillis - lastMembership >= self.settings.membershipMillis {
                    lastMembership = nowMillis
                    self.heartbeat()
                }
                for slot in self.table.takeDemand() { self.serve(slot: slot) }
                // Redis restarted: every key this host has leased for sends its checkpoint now, not at its next want.
                let reseeding = Set(self.reseedWindows.compactMap { Int($0.prefix { $0 != ":" }) })
                if self.breaker.state == .closed { for slot in reseeding.sorted() { self.serve(slot: slot) } }
                if nowMillis - lastSweep >= 100 {
                    lastSweep = nowMillis
                    self.sweep(returningAll: false)
                }
            }
            self.publish()
            seen = self.table.waitForDemand(after: seen, timeoutMillis: 20)
        }
        self.sweep(returningAll: true)
        self.table.publish(heartbeatMicros: 0, outageNodes: Int64(self.settings.maxNodes))
    }

    /// The heartbeat and where permits come from, for the workers.
    private func publish() {
        let outage: Int64 = self.breaker.state == .closed ? 0 : self.outageNodes
        self.table.publish(heartbeatMicros: Clock.nowMicros(), outageNodes: outage)
    }

    /// Hosts splitting a rate limit in an outage: the most there will be, or more if more were seen.
    private var outageNodes: Int64 { max(self.settings.maxNodes, self.nodes) }

    // MARK: Redis calls through the breaker

    /// Runs `call` if the breaker allows, recording how it went; `nil` when skipped or failed.
    private func guarded<T>(_ what: String, _ call: () throws(RedisLeaseError) -> T) -> T? {
        let now = Clock.monotonicMillis()
        guard self.breaker.permission(nowMillis: now) != .skip else { return nil }
        // A new connection may reach a Redis that restarted without its data: learn that before leasing anything.
        if self.reconnecting && what != "membership" { self.checkRunID() }
        self.redisCalls += 1
        self.table.recordAgent(.redisCalls)
        do {
            let result = try call()
            let wasOpen = self.breaker.state != .closed
            self.breaker.record(.success, nowMillis: Clock.monotonicMillis())
            if wasOpen && self.breaker.state == .closed {
                self.publish()
                self.logger.notice("redis reachable again: limits are shared again")
            }
            return result
        } catch {
            if case .redis = error {
                // Redis answered (a key of another type, a script error): not a fault of the connection. The key
                // gets no permits (its requests are denied); every other key goes on.
                self.breaker.record(.success, nowMillis: Clock.monotonicMillis())
                if let held = self.logThrottle.allowing(nowMillis: Clock.monotonicMillis()) {
                    self.logger.error(
                        "redis refused a call; that key's requests are denied",
                        metadata: ["call": "\(what)", "error": "\(error)", "similar_lines_held_back": "\(held)"])
                }
                return nil
            }
            self.table.recordAgent(.redisFailures)
            self.reconnecting = true
            let timedOut: Bool
            if case .connection(.timedOut) = error { timedOut = true } else { timedOut = false }
            let wasClosed = self.breaker.state == .closed
            self.breaker.record(timedOut ? .timeout : .failure, nowMillis: Clock.monotonicMillis())
            if wasClosed && self.breaker.state != .closed {
                self.table.recordAgent(.breakerOpens)
                self.publish()  // workers take the outage share from now on, not from the next round
                self.logger.error(
                    "redis unreachable: each host now admits its share of every rate limit, quotas only what is leased",
                    metadata: ["error": "\(error)", "share": "1/\(self.outageNodes)"])
            } else if let held = self.logThrottle.allowing(nowMillis: Clock.monotonicMillis()) {
                self.logger.warning(
                    "redis call failed",
                    metadata: ["call": "\(what)", "error": "\(error)", "similar_lines_held_back": "\(held)"])
            }
            return nil
        }
    }

    /// Membership (`ZADD keygate:nodes`), the live host count, and Redis's run id (a restart without data means the
    /// quotas' counts must be reseeded from the hosts' checkpoints).
    private func heartbeat() {
        let timeout = self.settings.callTimeoutMillis
        let connection = self.connection
        let node = self.settings.nodeID
        let answer: Int64? = self.guarded("membership") { () throws(RedisLeaseError) -> Int64 in
            do throws(RedisError) {
                let time = try connection.call(["TIME"], key: "keygate:nodes", timeoutMillis: timeout)
                guard case .array(let parts?) = time, let first = parts.first, case .bulk(let bytes?) = first,
                    let seconds = Int64(String(decoding: bytes, as: UTF8.self))
                else { throw RedisError.protocolError("TIME answered \(time)") }
                _ = try connection.call(
                    ["ZADD", "keygate:nodes", "\(seconds)", node], key: "keygate:nodes", timeoutMillis: timeout)
                _ = try connection.call(
                    ["ZREMRANGEBYSCORE", "keygate:nodes", "-inf", "\(seconds - 6)"], key: "keygate:nodes",
                    timeoutMillis: timeout)
                let count = try connection.call(
                    ["ZCARD", "keygate:nodes"], key: "keygate:nodes", timeoutMillis: timeout)
                return count.integer ?? 1
            } catch {
                throw RedisLeaseError.connection(error)
            }
        }
        guard let count = answer else { return }
        self.nodes = max(count, 1)
        self.table.recordAgent(.nodesSeen, add: UInt64(self.nodes), setting: true)
        self.checkRunID()
    }

    /// Reads Redis's run id (`INFO server`); a new one means Redis restarted, maybe without its data: each quota's
    /// next lease then carries this host's checkpoint, the highest count Redis reported for it.
    private func checkRunID() {
        let infos: [RESPValue]
        do {
            // Every master's: on a Redis Cluster any one of them restarting empty loses its keys' counts.
            infos = try self.connection.callEveryMaster(
                ["INFO", "server"], timeoutMillis: self.settings.callTimeoutMillis)
        } catch {
            return  // the call that follows fails the same way and is counted by the breaker
        }
        var runIDs: [String] = []
        for info in infos {
            guard case .bulk(let text?) = info else { return }
            for line in String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline)
            where line.hasPrefix("run_id:") {
                runIDs.append(String(line.dropFirst("run_id:".count)))
            }
        }
        guard !runIDs.isEmpty else { return }
        self.reconnecting = false
        let runID = runIDs.sorted().joined(separator: ",")
        if let known = self.runID, known != runID {
            self.logger.warning(
                "redis restarted (new run id): quota counts are reseeded from this host's checkpoints",
                metadata: ["run_id": "\(runID)"])
            for (slot, state) in self.slots {
                for position in state.quotaUsed.keys { self.reseedWindows.insert("\(slot):\(position)") }
                if state.creditCheckpoint != nil { self.reseedWindows.insert("\(slot):credits") }
            }
        }
        self.runID = runID
    }

    // MARK: leasing

    /// The key in `slot` now, looked up again when its owner changed or every 5 s (its limits may have changed).
    private func state(slot: Int, owner: UInt64) -> SlotState? {
        let now = Clock.monotonicMillis()
        if let known = self.slots[slot], known.owner == owner, now - known.loadedMillis < 5_000 { return known }
        do {
            if self.store == nil { self.store = try KeyStore(path: self.databasePath, create: false) }
            guard let store = self.store, let id = try store.keyID(forSlot: slot),
                CounterTable.fingerprint(of: id) == owner, let record = try store.find(id: id)
            else {
                self.slots[slot] = nil
                return nil
            }
            let admitted = self.counters?.counts(slot: slot).admitted ?? 0
            var state =
                self.slots[slot].flatMap { $0.owner == owner ? $0 : nil }
                ?? SlotState(
                    owner: owner, keyID: id, policies: record.policies, admitted: admitted,
                    seenMicros: Clock.nowMicros(), loadedMillis: now)
            state.policies = record.policies
            state.loadedMillis = now
            self.slots[slot] = state
            return state
        } catch {
            self.store = nil
            if let held = self.logThrottle.allowing(nowMillis: now) {
                self.logger.error(
                    "cannot read the key store", metadata: ["error": "\(error)", "similar_lines_held_back": "\(held)"])
            }
            return nil
        }
    }

    /// Tops up every policy of the key in `slot` that a worker found short or low.
    func serve(slot: Int) {
        defer { self.table.announce(slot: slot) }
        guard let owner = self.table.update(slot: slot, { $0.owner }), owner != 0,
            var state = self.state(slot: slot, owner: owner)
        else {
            self.reseedWindows = self.reseedWindows.filter { !$0.hasPrefix("\(slot):") }  // another key's slot now
            return
        }
        let policies = state.policies
        guard policies.stateCount <= ClusterLeaseTable.maximumPolicies else { return }
        // A Redis that restarted must be known before the first lease this round computes its checkpoints.
        if self.reconnecting && self.breaker.state == .closed { self.checkRunID() }
        let nowMicros = Clock.nowMicros()
        self.estimateRate(&state, slot: slot, nowMicros: nowMicros)
        let need = self.table.need(slot: slot)
        // First what is left of expired rate permits and of past quota windows comes back, then the wants are known.
        guard
            let (record, stale) = self.table.update(
                slot: slot,
                { record -> (ClusterLeaseTable.Record, [Int64]) in
                    var stale = [Int64](repeating: 0, count: policies.stateCount)
                    if record.rateExpiryMicros <= nowMicros {
                        for index in policies.rateLimits.indices {
                            stale[index] = record.held(index)
                            record.setHeld(index, 0)
                        }
                    }
                    return (record, stale)
                }), record.owner == owner
        else { return }
        for (index, policy) in policies.rateLimits.enumerated() where stale[index] > 0 {
            self.giveBackRate(state.keyID, policy, stale[index])
        }
        let nodes = max(self.nodes, 1)
        var grants = [Int64](repeating: 0, count: policies.stateCount)
        var tags = [UInt64?](repeating: nil, count: policies.stateCount)
        var lowWaters = [Int64](repeating: 0, count: policies.stateCount)
        var hints = [Int64?](repeating: nil, count: policies.stateCount)
        for (index, policy) in policies.rateLimits.enumerated() {
            let cap = max(1, policy.burst / (2 * nodes))
            let size = min(max(Int64((state.rate * 0.05).rounded(.up)), 1, need), max(cap, need))
            lowWaters[index] = size / 2
            let held = record.held(index)
            guard held < max(size / 2, 1) || held < need else { continue }
            let want = size - held
            guard want > 0 else { continue }
            let answer = self.guarded("rate lease") { () throws(RedisLeaseError) in
                try self.rates.leaseCounting(keyID: state.keyID, policy: policy, want: want)
            }
            guard let answer else { continue }
            hints[index] = answer.left
            switch answer.grant {
            case .granted(let permits): grants[index] = permits
            case .exhausted(let retryAfter): tags[index] = UInt64(nowMicros + retryAfter)
            }
        }
        /// A quota's or the credits' chunk (scaleout §4.3): `clamp(⌈λ·1 s⌉, 1, max(1, ⌊unleased / 2N⌋))`, at least
        /// what a waiting request needs; how many to ask for (`nil`: enough in hand) and the top-up point.
        func chunk(_ index: Int, window: PermitWindow) -> (want: Int64, lowWater: Int64)? {
            let tag = record.tag(index)
            let current = LeasedPermits.isCurrent(tag, window)
            let held = current ? record.held(index) : 0
            if !current && record.held(index) > 0 {
                // Permits of a past window: that window is over, nothing to give back to.
                _ = self.table.update(slot: slot) { if $0.owner == owner { $0.setHeld(index, 0) } }
            }
            let unleased = current ? LeasedPermits.unleased(ofQuotaTag: tag) : window.limit
            guard unleased > 0 || !current else { return nil }
            let cap = max(1, unleased / (2 * nodes))
            let size = max(min(max(Int64(state.rate.rounded(.up)), 1), cap), need)
            guard held < max(size / 2, 1) || held < need, size - held > 0 else { return (0, size / 2) }
            return (size - held, size / 2)
        }
        for (offset, quota) in policies.quotas.enumerated() {
            let index = policies.rateLimits.count + offset
            let window = quota.windowIndex(containing: nowMicros)
            let sized = chunk(index, window: PermitWindow(quota, nowMicros: nowMicros))
            lowWaters[index] = sized?.lowWater ?? 0
            // After Redis restarted, this host's checkpoint goes at once, with or without a want: the sooner the
            // highest one is in, the less can be granted twice.
            let reseedKey = "\(slot):\(offset)"
            var checkpoint: RedisQuotaLease.Checkpoint?
            if self.reseedWindows.contains(reseedKey) {
                if let known = state.quotaUsed[offset], known.window == window {
                    checkpoint = known.checkpoint
                } else {
                    self.reseedWindows.remove(reseedKey)  // nothing known of this window
                }
            }
            let want = sized?.want ?? 0
            guard want > 0 || checkpoint != nil else { continue }
            let end = quota.windowEndMicros(containing: nowMicros) / 1_000_000
            let grant = self.guarded("quota lease") { () throws(RedisLeaseError) in
                try self.quotas.lease(
                    keyID: state.keyID, policy: quota, window: window, windowEndSeconds: end, want: want,
                    checkpoint: checkpoint)
            }
            guard case .granted(let permits, let used, let incarnation)? = grant else { continue }
            self.reseedWindows.remove(reseedKey)
            // A newer incarnation (Redis made the count again) holds this host's checkpoint if it had one: it was
            // sent with this lease.
            if (state.quotaUsed[offset].map {
                $0.window != window || $0.checkpoint.incarnation != incarnation || $0.checkpoint.used < used
            }) ?? true {
                state.quotaUsed[offset] = (window, .init(used: used, incarnation: incarnation))
            }
            grants[index] = permits
            tags[index] = LeasedPermits.quotaTag(window: window, unleased: quota.limit - used)
        }
        if let credits = policies.credits {
            let index = policies.stateCount - 1
            let window = PermitWindow(credits, nowMicros: nowMicros)
            let sized = chunk(index, window: window)
            lowWaters[index] = sized?.lowWater ?? 0
            let want = sized?.want ?? 0
            if want > 0 || self.reseedWindows.contains("\(slot):credits"),
                let (permits, balance) = self.leaseCredits(&state, slot: slot, credits, window, want)
            {
                grants[index] = permits
                tags[index] = LeasedPermits.quotaTag(window: window.index, unleased: balance.limit - balance.leased)
            }
        }
        self.slots[slot] = state
        self.table.recordAgent(.permitsLeased, add: UInt64(grants.reduce(0, +)))
        // Hand the grants over; if another key took the slot meanwhile, they go back.
        let leaseMillis = self.settings.rateLeaseMillis
        let stored = self.table.update(slot: slot) { record -> Bool in
            guard record.owner == owner else { return false }
            for index in 0..<policies.stateCount {
                if grants[index] > 0 { record.setHeld(index, record.held(index) + grants[index]) }
                if let tag = tags[index] { record.setTag(index, tag) }
                if let hint = hints[index] { record.setHint(index, hint) }
                record.setLowWater(index, lowWaters[index])
            }
            if grants[0..<policies.rateLimits.count].contains(where: { $0 > 0 }) {
                record.rateExpiryMicros = Clock.nowMicros() + leaseMillis * 1_000
            }
            return true
        }
        if stored != true {
            let windows = (0..<policies.stateCount).map { index in
                index < policies.rateLimits.count
                    ? 0 : PermitWindow(of: policies, at: index, nowMicros: nowMicros).index
            }
            self.giveBack(state, counts: grants, windows: windows)
        }
    }

    /// Leases `want` credits of the current refill period, with this host's checkpoint after Redis restarted; the
    /// permits granted and the balance after the grant.
    private func leaseCredits(
        _ state: inout SlotState, slot: Int, _ credits: CreditPolicy, _ window: PermitWindow, _ want: Int64
    ) -> (Int64, RedisCreditLease.Checkpoint)? {
        let reseedKey = "\(slot):credits"
        let checkpoint = self.reseedWindows.contains(reseedKey) ? state.creditCheckpoint : nil
        let keyID = state.keyID
        let grant = self.guarded("credit lease") { () throws(RedisLeaseError) in
            try self.credits.lease(
                keyID: keyID, policy: credits, period: window.index, want: want, checkpoint: checkpoint)
        }
        guard case .granted(let permits, let balance)? = grant else { return nil }
        self.reseedWindows.remove(reseedKey)
        if (state.creditCheckpoint.map {
            $0.incarnation != balance.incarnation || ($0.period, $0.leased) < (balance.period, balance.leased)
        }) ?? true {
            state.creditCheckpoint = balance
        }
        return (permits, balance)
    }

    /// Updates the slot's admits-per-second estimate from the counters file's admitted count.
    private func estimateRate(_ state: inout SlotState, slot: Int, nowMicros: Int64) {
        guard let counters = self.counters, slot < counters.capacity else { return }
        let admitted = counters.counts(slot: slot).admitted
        let elapsed = nowMicros - state.seenMicros
        guard elapsed >= 10_000 else { return }
        let sample = Double(admitted &- state.admitted) * 1_000_000 / Double(elapsed)
        state.rate = state.rate == 0 ? sample : 0.5 * state.rate + 0.5 * sample
        state.admitted = admitted
        state.seenMicros = nowMicros
    }

    private func giveBackRate(_ keyID: String, _ policy: RateLimitPolicy, _ count: Int64) {
        let taken = self.guarded("rate return") { () throws(RedisLeaseError) in
            try self.rates.giveBack(keyID: keyID, policy: policy, count: count)
        }
        self.table.recordAgent(.permitsReturned, add: UInt64(max(taken ?? 0, 0)))
    }

    /// Gives back `counts` (by policy position) to Redis; a quota's to the window its `windows` entry names.
    private func giveBack(_ state: SlotState, counts: [Int64], windows: [Int64]) {
        for (index, policy) in state.policies.rateLimits.enumerated() where counts[index] > 0 {
            self.giveBackRate(state.keyID, policy, counts[index])
        }
        for (offset, quota) in state.policies.quotas.enumerated() {
            let index = state.policies.rateLimits.count + offset
            guard counts[index] > 0 else { continue }
            let taken = self.guarded("quota return") { () throws(RedisLeaseError) in
                try self.quotas.giveBack(
                    keyID: state.keyID, policy: quota, window: windows[index], count: counts[index])
            }
            self.table.recordAgent(.permitsReturned, add: UInt64(max(taken ?? 0, 0)))
        }
        if let credits = state.policies.credits, let count = counts.last, count > 0 {
            let taken = self.guarded("credit return") { () throws(RedisLeaseError) in
                try self.credits.giveBack(
                    keyID: state.keyID, policy: credits, period: windows[counts.count - 1], count: count)
            }
            self.table.recordAgent(.permitsReturned, add: UInt64(max(taken ?? 0, 0)))
        }
    }

    /// Gives back rate permits past their lease (all permits when `returningAll`: shutdown) of every slot served.
    func sweep(returningAll: Bool) {
        let nowMicros = Clock.nowMicros()
        for (slot, state) in self.slots {
            let taken = self.table.update(slot: slot) { record -> (counts: [Int64], windows: [Int64])? in
                guard record.owner == state.owner else { return nil }
                var counts = [Int64](repeating: 0, count: state.policies.stateCount)
                var windows = [Int64](repeating: 0, count: state.policies.stateCount)
                let rateExpired = record.rateExpiryMicros <= nowMicros
                for index in 0..<state.policies.stateCount {
                    let isRate = index < state.policies.rateLimits.count
                    guard returningAll || (isRate && rateExpired) else { continue }
                    if !isRate {
                        let tag = record.tag(index)
                        windows[index] = LeasedPermits.window(ofQuotaTag: tag)
                        // Permits of a window that is over are worth nothing: drop them.
                        let window = PermitWindow(of: state.policies, at: index, nowMicros: nowMicros)
                        guard LeasedPermits.isCurrent(tag, window) else {
                            record.setHeld(index, 0)
                            continue
                        }
                    }
                    counts[index] = record.held(index)
                    record.setHeld(index, 0)
                }
                return (counts, windows)
            }
            guard let taken = taken ?? nil else {
                if taken != nil { self.slots[slot] = nil }  // another key has the slot now
                continue
            }
            if taken.counts.contains(where: { $0 > 0 }) {
                self.giveBack(state, counts: taken.counts, windows: taken.windows)
            }
        }
    }
}
