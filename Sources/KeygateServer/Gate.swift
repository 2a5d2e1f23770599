import KeygateCore
import KeygateCrypto
import KeygateStore
import KeygateSystem
import KeygateZone
import Logging

/// The decision path of one worker: extract, hash, look up (through a cache), judge, record use.
///
/// Not thread-safe: each single-threaded worker owns one. Whenever its ``KeySource`` reports keys changed (for the
/// SQLite store: another connection committed changes to keys), the gate drops the cached entries of those keys, so a
/// revoke is seen by the very next request, in every worker, while keygate's own bookkeeping commits drop nothing.
public final class Gate {
    public let policy: GatePolicy
    // The properties marked `@exclusivity(unchecked)` are read or written on every request by the one thread that owns
    // the gate, and never passed `inout` into a call that could reach them again: the runtime's dynamic exclusivity
    // check (a thread-local access set, ~70 instructions per access) would find nothing, so it is skipped.

    /// Where keys are found on a cache miss and changes learnt; never called on a cached hit.
    private let keys: any KeySource
    /// The source's cheap commit detector, polled on every decision (read again after each change check).
    @exclusivity(unchecked) private var commitWatch: WALChangeWatch?
    private let hasher: SHA256Hasher
    /// Names presented secrets in the cache under a key of this gate's own: SHA-256 runs only on a miss.
    private let fingerprinter: SecretFingerprinter
    private let lastUsed: LastUsedTable?
    private let counters: CounterTable?
    private let ipTable: IPTable?
    /// The permits this host holds of limits shared with other hosts (`--limits-from`): when set, keys' limits are
    /// decided from it rather than from ``counters`` (which then only count requests, for usage).
    private let cluster: ClusterLeaseTable?
    /// Whether keys' limits are shared with other hosts (`--limits-from`); else ``cluster`` only carries the revoked
    /// flags of mirrored keys (`--keys-from`).
    @exclusivity(unchecked) public var sharesLimits = true
    /// With `--strict-key-staleness`: keys mirrored longer ago than this are all refused (the store is unavailable).
    @exclusivity(unchecked) public var strictKeysMaxAgeMicros: Int64?
    /// How long a request short of shared permits waits for the agent to lease some before the outage share decides.
    static let slowPathMillis = 2
    private var clusterLog = LogThrottle(intervalMillis: 10_000)
    private var evictionLog = LogThrottle(intervalMillis: 10_000)
    /// A stuck lease holder makes every request of its key (or IP entry) fail: log that once in a while.
    private var leaseLog = LogThrottle(intervalMillis: 10_000)
    private var ipEntryLog = LogThrottle(intervalMillis: 10_000)
    /// Why keys with limits are refused although counters are configured (the file could not be opened), if so.
    private let countersUnavailable: String?
    private var unavailableLog = LogThrottle(intervalMillis: 10_000)
    /// The shared files this gate maps, checked every sweep for truncation or replacement.
    private let sharedFiles: SharedFileWatch
    private let logger: Logger
    private let cache: KeyCache<SecretFingerprint, CachedKey>
    /// The key source is still asked for changes this often as a backstop, whatever its commit watch says.
    static let backstopMillis: Int64 = 1_000
    @exclusivity(unchecked) private var lastChangeCheckMillis: Int64 = 0
    /// Bound on cached digests (found and unknown, see ``KeyCache``): a spray of random well-formed keys cannot grow
    /// the worker, nor replace a found key.
    public let cacheCapacity: Int
    @exclusivity(unchecked) public private(set) var statistics = Statistics()
    /// This process's slot of the shared metrics, when `--metrics-listen` is on: each decision, its duration and the
    /// key cache's hits and misses are counted there.
    @exclusivity(unchecked) public var metrics: MetricsSlot?
    /// The level denials are logged at: debug, or info with `--log-denials` (limited like every repeated line).
    @exclusivity(unchecked) public var denialLogLevel: Logger.Level = .debug

    public struct Statistics: Sendable {
        public var decisions = 0
        public var cacheHits = 0
        /// Times the whole cache was dropped (the change log could not say what changed, or the file was replaced).
        public var cacheInvalidations = 0
        /// Cached entries dropped because their key or secret changed.
        public var keyInvalidations = 0
        public var storeErrors = 0
        public var databaseReopens = 0
    }

    /// A gate over the SQLite key store at `databasePath` (a ``StoreKeySource``), as workers and `keygate check` use.
    public convenience init(
        databasePath: String, policy: GatePolicy, lastUsed: LastUsedTable?, counters: CounterTable? = nil,
        ipTable: IPTable? = nil, cluster: ClusterLeaseTable? = nil, countersUnavailable: String? = nil, logger: Logger,
        cacheCapacity: Int = 10_000
    ) throws {
        try self.init(
            keys: StoreKeySource(databasePath: databasePath, logger: logger), policy: policy, lastUsed: lastUsed,
            counters: counters, ipTable: ipTable, cluster: cluster, countersUnavailable: countersUnavailable,
            logger: logger, cacheCapacity: cacheCapacity)
    }

    /// A gate built from its parts: where keys are found, the shared tables it counts in (each optional) and its policy.
    ///
    /// `countersUnavailable` says why `counters` is `nil` although configured (keys with limits are then refused).
    public init(
        keys: any KeySource, policy: GatePolicy, lastUsed: LastUsedTable? = nil, counters: CounterTable? = nil,
        ipTable: IPTable? = nil, cluster: ClusterLeaseTable? = nil, countersUnavailable: String? = nil, logger: Logger,
        cacheCapacity: Int = 10_000
    ) throws {
        self.keys = keys
        self.cluster = cluster
        self.commitWatch = keys.commitWatch
        self.counters = counters
        self.countersUnavailable = countersUnavailable
        var watched: [SharedFileWatch.Watched] = []
        if let counters {
            watched.append(.init(mapping: counters.mapping, consequence: SharedFileWatch.countersConsequence))
        }
        if let ipTable {
            watched.append(.init(mapping: ipTable.mapping, consequence: "per-IP limits are off (fail open)"))
        }
        if let cluster {
            watched.append(.init(mapping: cluster.mapping, consequence: "keys with shared limits are refused (503)"))
        }
        if let lastUsed {
            watched.append(.init(mapping: lastUsed.mapping, consequence: "last-used times are no longer recorded"))
        }
        self.sharedFiles = SharedFileWatch(watched, logger: logger)
        self.ipTable = ipTable
        self.hasher = try SHA256Hasher()
        let fingerprintKey = try SecureRandom.bytes(count: 16)
        self.fingerprinter = SecretFingerprinter(
            k0: fingerprintKey[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
            k1: fingerprintKey[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        self.policy = policy
        self.lastUsed = lastUsed
        self.logger = logger
        self.cacheCapacity = cacheCapacity
        self.cache = KeyCache(capacity: cacheCapacity)
    }

    /// One cache entry: what a digest found (or that it found nothing), with what requests derive from it, once.
    final class CachedKey {
        /// The SHA-256 digest of the secret this entry was looked up for (a change to that secret drops the entry).
        let digest: KeyDigest
        let match: SecretMatch?
        /// The counters-record fingerprint of the key's id.
        let owner: UInt64
        /// The counter-record words of the key's policies (`nil` for policies that fit no record: the counters refuse
        /// them when asked).
        let words: PolicyWords?
        /// The answer encoders' cache of the key's repeated header pieces, handed out with ``answer(_:nowMicros:)``.
        let memo = AnswerMemo()

        init(_ match: SecretMatch?, digest: KeyDigest) {
            self.digest = digest
            self.match = match
            self.owner = match.map { CounterTable.fingerprint(of: $0.key.id) } ?? 0
            self.words = match.flatMap { try? PolicyWords.assigning($0.key.policies).get() }
        }
    }

    /// Decides `request` at `nowMicros`; store failures become the `storeUnavailable` outcome (fail closed).
    public func decide(_ request: AuthRequest, nowMicros: Int64) -> Decision {
        self.deciding(request, nowMicros: nowMicros).decision
    }

    /// ``decide(_:nowMicros:)``, with the cache entry of the key when one was looked up.
    private func deciding(_ request: AuthRequest, nowMicros: Int64) -> (decision: Decision, entry: CachedKey?) {
        let nowSeconds = nowMicros / 1_000_000
        self.statistics.decisions += 1
        // The client address is parsed only when something reads it: per-IP limits or a key's network allowlist.
        var client = LazyClient()
        if let limit = self.policy.globalIPLimit, let address = client.address(request, self.policy),
            let limited = self.limitingIP(address, .global, limit, request: request, nowMicros: nowMicros)
        {
            return (limited, nil)
        }
        let secret: String
        // The secret's shape is checked only when the cache does not know it (``find(secret:)``).
        switch KeyExtraction.extract(from: request, queryParameter: self.policy.queryParameter, checkingShape: false) {
        case .missing:
            let decision = Decision(.missing, requiredScopes: request.requiredScopes)
            return (self.keyless(decision, &client, request, nowMicros), nil)
        case .malformed:
            let decision = Decision(.malformed, requiredScopes: request.requiredScopes)
            return (self.keyless(decision, &client, request, nowMicros), nil)
        case .candidate(let candidate): secret = candidate
        }
        let found: CachedKey?
        do {
            found = try self.find(secret: secret)
        } catch {
            self.statistics.storeErrors += 1
            self.metrics?.count(.storeErrors)
            self.logger.error("key lookup failed; answering 500", metadata: ["error": "\(error)"])
            return (Decision(.storeUnavailable, requiredScopes: request.requiredScopes), nil)
        }
        guard let entry = found else {
            let decision = Decision(.malformed, requiredScopes: request.requiredScopes)
            return (self.keyless(decision, &client, request, nowMicros), nil)
        }
        // Decider reads the address only for a key with a network allowlist.
        let needsAddress = entry.match.map { !$0.key.allowedNetworks.isEmpty } ?? false
        var decision = Decider.judge(
            entry.match, request: request, clientAddress: needsAddress ? client.address(request, self.policy) : nil,
            nowSeconds: nowSeconds)
        if decision.outcome == .unknown { return (self.keyless(decision, &client, request, nowMicros), entry) }
        if let cluster = self.cluster, let key = decision.key {
            // A key the shared store revoked is denied the moment the agent hears of it, before SQLite has it.
            if decision.outcome == .allow && cluster.isRevoked(slot: key.slot, owner: entry.owner) {
                decision = Decision(.revoked, key: key, requiredScopes: request.requiredScopes)
            }
            if let maxAge = self.strictKeysMaxAgeMicros, (cluster.keysAge(nowMicros: nowMicros) ?? 0) > maxAge {
                return (Decision(.storeUnavailable, requiredScopes: request.requiredScopes), entry)
            }
        }
        // Only a request that passes every other check reaches the limits: denied requests never consume quota.
        if decision.outcome == .allow, let key = decision.key, !key.policies.isEmpty {
            decision = self.applyingLimits(
                decision, key: key, entry: entry, request: request, nowMicros: nowMicros)
        }
        if decision.outcome == .allow, let key = decision.key, !request.dryRun {
            self.lastUsed?.record(slot: key.slot, seconds: nowSeconds)
        }
        return (decision, entry)
    }

    /// A request without a valid key spends from its IP's keyless limit; over it, the answer becomes 429.
    private func keyless(
        _ decision: Decision, _ client: inout LazyClient, _ request: AuthRequest, _ nowMicros: Int64
    ) -> Decision {
        guard let limit = self.policy.keylessIPLimit, let address = client.address(request, self.policy) else {
            return decision
        }
        return self.limitingIP(address, .keyless, limit, request: request, nowMicros: nowMicros) ?? decision
    }

    /// The rate-limited decision if `client` is over `limit`, else `nil` (also when the table cannot be used: IP limits
    /// fail open, with a log line, since the key checks still follow).
    private func limitingIP(
        _ client: IPAddress, _ which: IPTable.Limit, _ limit: RateLimitPolicy, request: AuthRequest, nowMicros: Int64
    ) -> Decision? {
        guard let table = self.ipTable else { return nil }
        guard
            let admission = table.admit(
                address: client, limit: which, policy: limit, nowMicros: nowMicros, dryRun: request.dryRun)
        else {
            if let held = self.ipEntryLog.allowing(nowMillis: Clock.monotonicMillis()) {
                self.logger.warning(
                    "per-IP table entry held by a stuck process; not limiting this request",
                    metadata: ["client": "\(client)", "similar_lines_held_back": "\(held)"])
            }
            return nil
        }
        if admission.evicted, self.evictionLog.allowing(nowMillis: Clock.monotonicMillis()) != nil {
            self.logger.warning(
                "per-IP table full: evicted an active entry (raise --ip-table-size)",
                metadata: ["evictions_total": "\(table.evictions)", "capacity": "\(table.capacity)"])
        }
        // A lost table holds zeros, private to this process: IP limits fail open, as when unavailable.
        guard !admission.evaluation.admitted, !table.mapping.isLost else { return nil }
        var decision = Decision(.rateLimited, requiredScopes: request.requiredScopes, limits: admission.evaluation)
        decision.limitPolicies = PolicySet(rateLimits: [limit])
        return decision
    }

    private func applyingLimits(
        _ decision: Decision, key: KeyRecord, entry: CachedKey, request: AuthRequest, nowMicros: Int64
    ) -> Decision {
        guard let counters = self.counters else {
            if self.unavailableLog.allowing(nowMillis: Clock.monotonicMillis()) != nil {
                let state = self.countersUnavailable == nil ? "off" : "unavailable"
                self.logger.error(
                    "key has limits but counters are \(state); refusing",
                    metadata: ["key_id": "\(key.id)", "reason": "\(self.countersUnavailable ?? "--counters off")"])
            }
            return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes)
        }
        guard key.slot < counters.capacity else {
            self.logger.error(
                "key slot beyond the counters file; raise --counters-capacity",
                metadata: ["key_id": "\(key.id)", "slot": "\(key.slot)", "capacity": "\(counters.capacity)"])
            return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes)
        }
        if let cluster = self.cluster, self.sharesLimits {
            return self.applyingSharedLimits(
                decision, key: key, entry: entry, request: request, nowMicros: nowMicros, cluster: cluster,
                counters: counters)
        }
        let admission =
            if let words = entry.words {
                counters.admit(
                    slot: key.slot, owner: entry.owner, policies: key.policies, words: words, cost: request.cost,
                    nowMicros: nowMicros, dryRun: request.dryRun)
            } else {
                counters.admit(
                    slot: key.slot, owner: entry.owner, policies: key.policies, cost: request.cost,
                    nowMicros: nowMicros, dryRun: request.dryRun)
            }
        guard let evaluation = admission else {
            if let held = self.leaseLog.allowing(nowMillis: Clock.monotonicMillis()) {
                // The holder may have released it since; the pid read now is still the likely culprit.
                let holder = counters.leaseHolder(slot: key.slot).map { "\($0)" } ?? "released since"
                self.logger.error(
                    "counters slot lease held by a stuck process; refusing with 503",
                    metadata: ["key_id": "\(key.id)", "holder_pid": "\(holder)", "similar_lines_held_back": "\(held)"])
            }
            return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes)
        }
        // The file was truncated under us (SIGBUS gave zero pages): the evaluation read zeros and counts for nothing.
        // (The worker's once-a-second sweep logs the loss: no system call per refused request.)
        if counters.mapping.isLost {
            return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes)
        }
        return Decision(
            evaluation.admitted ? .allow : .rateLimited, key: key, requiredScopes: decision.requiredScopes,
            limits: evaluation)
    }

    /// ``applyingLimits(_:key:entry:request:nowMicros:)`` for limits shared with other hosts: decided from the permits
    /// this host holds (``LeasedPermits``), with one bounded wait for the agent when a key has none in hand.
    private func applyingSharedLimits(
        _ decision: Decision, key: KeyRecord, entry: CachedKey, request: AuthRequest, nowMicros: Int64,
        cluster: ClusterLeaseTable, counters: CounterTable
    ) -> Decision {
        let policies = key.policies
        guard policies.stateCount <= ClusterLeaseTable.maximumPolicies, key.slot < cluster.capacity else {
            if let held = self.clusterLog.allowing(nowMillis: Clock.monotonicMillis()) {
                let reason =
                    "more than \(ClusterLeaseTable.maximumPolicies) limits, or a slot beyond --counters-capacity"
                self.logger.error(
                    "key's limits cannot be shared across hosts; refusing",
                    metadata: ["key_id": "\(key.id)", "reason": "\(reason)", "similar_lines_held_back": "\(held)"])
            }
            return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes)
        }
        let slot = key.slot
        guard
            var (verdict, grant) = cluster.admit(
                slot: slot, owner: entry.owner, policies: policies, cost: request.cost, nowMicros: nowMicros,
                dryRun: request.dryRun)
        else { return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes) }
        if !request.dryRun {
            if !verdict.evaluation.admitted && verdict.needsLease {
                // The slow path: ask the agent and wait for its answer, at most a couple of milliseconds, then
                // decide again. No answer in time (the agent busy, or stuck on a slow Redis) denies, unless the
                // agent has meanwhile declared Redis unreachable (then the outage share decides): a late agent must
                // not let every host admit its share on top of the permits Redis granted.
                cluster.requestPermits(slot: slot, cost: request.cost)
                _ = cluster.waitForGrant(slot: slot, after: grant, timeoutMillis: Self.slowPathMillis)
                let now = max(nowMicros, Clock.nowMicros())
                guard
                    let again = cluster.admit(
                        slot: slot, owner: entry.owner, policies: policies, cost: request.cost, nowMicros: now)
                else { return Decision(.limitsUnavailable, key: key, requiredScopes: decision.requiredScopes) }
                (verdict, grant) = again
            } else if verdict.wantsTopUp {
                cluster.requestPermits(slot: slot, cost: request.cost)
            }
            counters.count(slot: slot, owner: entry.owner, admitted: verdict.evaluation.admitted)
        }
        return Decision(
            verdict.evaluation.admitted ? .allow : .rateLimited, key: key, requiredScopes: decision.requiredScopes,
            limits: verdict.evaluation)
    }

    /// Checks the shared files for truncation or replacement (from the worker's once-a-second sweep), the database
    /// file included when no request looked at it in the last second: an idle worker switches to a database moved in
    /// place within a second too, not only at its next request. (A source that cannot be read now is reported by
    /// that request.)
    public func checkSharedFiles(nowMillis: Int64) {
        self.sharedFiles.check(nowMillis: nowMillis)
        if nowMillis - self.lastChangeCheckMillis >= Self.backstopMillis { try? self.takeChanges() }
    }

    /// Decides `request` and returns the answer for its front end's profile, with the key's encoder cache.
    ///
    /// `requestID` reads the front end's id of the request (`X-Request-ID`); it is called only when a denial is logged,
    /// so an undenied or unlogged request never looks for it.
    public func answer(_ request: AuthRequest, nowMicros: Int64, requestID: () -> String? = { nil }) -> AuthAnswer {
        self.decidingAndAnswering(request, nowMicros: nowMicros, requestID: requestID).answer
    }

    /// The limits of `key` as they stand now, nothing spent: what a request of cost 1 would see, one evaluation per
    /// policy in state order (empty without limits); `nil` when they cannot be read (counters off or unavailable, the
    /// key's slot beyond them, or its record held by a stuck process). For the admin console's key page.
    public func limitState(of key: KeyRecord, nowMicros: Int64) -> PolicySetEvaluation? {
        guard !key.policies.isEmpty else {
            return PolicySetEvaluation(admitted: true, evaluations: [], violated: [], retryAfterMicros: 0)
        }
        guard let counters = self.counters, key.slot < counters.capacity else { return nil }
        let owner = CounterTable.fingerprint(of: key.id)
        if let cluster = self.cluster, self.sharesLimits {
            guard key.policies.stateCount <= ClusterLeaseTable.maximumPolicies, key.slot < cluster.capacity else {
                return nil
            }
            return cluster.admit(
                slot: key.slot, owner: owner, policies: key.policies, cost: 1, nowMicros: nowMicros, dryRun: true)?
                .0.evaluation
        }
        return counters.admit(
            slot: key.slot, owner: owner, policies: key.policies, cost: 1, nowMicros: nowMicros, dryRun: true)
    }

    /// ``answer(_:nowMicros:requestID:)`` with the decision it answers (the admin API's verify reports both):
    /// counted in the metrics and logged as a denial alike.
    @inline(__always)
    public func decidingAndAnswering(
        _ request: AuthRequest, nowMicros: Int64, requestID: () -> String? = { nil }
    ) -> (decision: Decision, answer: AuthAnswer) {
        let started = self.metrics == nil ? 0 : Clock.monotonicNanos()
        let (decision, entry) = self.deciding(request, nowMicros: nowMicros)
        if let metrics = self.metrics {
            metrics.recordDecision(decision.outcome, nanos: Clock.monotonicNanos() - started)
        }
        if decision.outcome != .allow && self.logger.logLevel <= self.denialLogLevel {
            var metadata: Logger.Metadata = [
                "reason": "\(decision.outcome.rawValue)", "key_id": "\(decision.key?.id ?? "-")",
                "uri": "\(request.uri)", "client": "\(request.remoteAddress ?? "-")",
            ]
            if let requestID = requestID() { metadata["request_id"] = "\(requestID)" }
            self.logger.log(level: self.denialLogLevel, "denied", metadata: metadata)
        }
        return (decision, AuthAnswer(decision, profile: request.profile, policy: self.policy, memo: entry?.memo))
    }

    /// The client address of one request, resolved on first use.
    struct LazyClient {
        private var resolved: IPAddress?? = nil

        mutating func address(_ request: AuthRequest, _ policy: GatePolicy) -> IPAddress? {
            if let resolved { return resolved }
            let address = ClientAddress.resolve(
                remoteAddress: request.remoteAddress, forwardedFor: request.forwardedFor,
                trustedProxies: policy.trustedProxies)
            self.resolved = .some(address)
            return address
        }
    }

    /// Cached entries replaced to make room for others (the cache's CLOCK evictions).
    public var cacheEvictions: Int { self.cache.evictions }

    /// Whether a cache-invalidation mechanism cheaper than asking the key source per request is active.
    public var watchesWALIndex: Bool { self.commitWatch != nil }

    /// The cache entry of `secret`, looked up by its SHA-256 digest when the cache has none; `nil` when it has none and
    /// the secret is not a well-formed key (``APIKeyFormat``): such a secret is never hashed, looked up or cached.
    private func find(secret: String) throws -> CachedKey? {
        let fingerprint = self.fingerprinter.fingerprint(secret)
        do {
            try self.takeChanges()
        } catch {
            // A secret that is not a key is answered without the store, as it always was.
            guard APIKeyFormat.isWellFormed(secret) else { return nil }
            throw error
        }
        if let cached = self.cache.entry(for: fingerprint) {
            self.statistics.cacheHits += 1
            self.metrics?.count(.keyCacheHits)
            return cached
        }
        guard APIKeyFormat.isWellFormed(secret) else { return nil }
        self.metrics?.count(.keyCacheMisses)
        let digest = self.hasher.digest(secret)
        let found = CachedKey(try self.lookUp(digest), digest: digest)
        self.cache.insert(found, for: fingerprint, keyID: found.match?.key.id)
        return found
    }

    /// Reads the key source for `digest`. A read that failed, or that a commit overlapped, may have met a database
    /// file replaced under this worker (a restore by `mv`, whose writers share this file's `-wal`): the source looks
    /// at the path and, if it switched files, the read is made again from the new one.
    private func lookUp(_ digest: KeyDigest) throws -> SecretMatch? {
        let match: SecretMatch?
        do {
            match = try self.keys.find(digest: digest)
        } catch {
            guard try self.sourceSwitchedFiles() else { throw error }
            return try self.keys.find(digest: digest)
        }
        if self.commitWatch?.changed() == true, try self.sourceSwitchedFiles() {
            return try self.keys.find(digest: digest)
        }
        return match
    }

    /// Takes the source's changes now, looking for a replaced file; whether it switched to one.
    private func sourceSwitchedFiles() throws -> Bool {
        defer { self.commitWatch = self.keys.commitWatch }
        let changes = try self.keys.changes(nowMillis: Clock.monotonicMillis(), backstop: true)
        self.drop(changes)
        return changes == .reopened
    }

    /// Brings the cache up to date with the key source: drops the entries of keys changed since the last request (the
    /// source also looks for a replaced file once a second). Throws when the source cannot be read (then nothing can
    /// be trusted).
    private func takeChanges() throws {
        let now = Clock.monotonicMillis()
        let backstopDue = now - self.lastChangeCheckMillis >= Self.backstopMillis
        if backstopDue { self.lastChangeCheckMillis = now }
        // The watch is polled first so that it remembers this commit even when the backstop is due anyway.
        if (self.commitWatch?.changed() ?? true) || backstopDue {
            defer { self.commitWatch = self.keys.commitWatch }
            self.drop(try self.keys.changes(nowMillis: now, backstop: backstopDue))
        }
    }

    /// Drops the cached entries `changes` names (everything when the source cannot say what changed).
    private func drop(_ changes: KeySourceChanges) {
        switch changes {
        case .none:
            return
        case .keys(let ids, let digests):
            var dropped = self.cache.removeEntries(ofKeys: ids)
            if !digests.isEmpty {
                let digests = Set(digests)
                dropped += self.cache.removeEntries { digests.contains($0.digest) }
            }
            self.statistics.keyInvalidations += dropped
        case .everything:
            self.statistics.cacheInvalidations += 1
            self.cache.removeAll()
        case .reopened:
            self.statistics.databaseReopens += 1
            self.cache.removeAll()
        }
    }
}
