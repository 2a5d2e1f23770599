import KeygateCore
import KeygateZone

/// The metric families of one scrape, from the shared ``MetricsTotals`` and the shared tables' occupancy. Pure.
///
/// Label values are bounded: outcomes and reasons are a fixed set, listeners are the configured `--listen` addresses.
public struct MetricsReport: Sendable {
    /// What the scrape read besides the totals: the shared tables' occupancy (`nil` where a table is not configured).
    public struct Tables: Sendable, Equatable {
        public var countersSlotsInUse: Int?
        public var countersCapacity: Int?
        public var ipEntriesActive: Int?
        public var ipCapacity: Int?
        public var ipEvictions: UInt64?

        public init(
            countersSlotsInUse: Int? = nil, countersCapacity: Int? = nil, ipEntriesActive: Int? = nil,
            ipCapacity: Int? = nil, ipEvictions: UInt64? = nil
        ) {
            self.countersSlotsInUse = countersSlotsInUse
            self.countersCapacity = countersCapacity
            self.ipEntriesActive = ipEntriesActive
            self.ipCapacity = ipCapacity
            self.ipEvictions = ipEvictions
        }
    }

    /// The state of limits shared with other hosts (`--limits-from`), read from the lease table.
    public struct Cluster: Sendable, Equatable {
        /// Whether the agent's heartbeat is fresh, and whether it reaches Redis (else hosts admit their outage share).
        public var agentUp: Bool
        public var redisReachable: Bool
        /// The agent's counts, by ``ClusterLeaseTable/AgentCount``.
        public var counts: [ClusterLeaseTable.AgentCount: UInt64]

        public init(agentUp: Bool, redisReachable: Bool, counts: [ClusterLeaseTable.AgentCount: UInt64]) {
            self.agentUp = agentUp
            self.redisReachable = redisReachable
            self.counts = counts
        }

        /// What `table` says at `nowMicros`.
        public init(_ table: ClusterLeaseTable, nowMicros: Int64) {
            let mode = table.mode(nowMicros: nowMicros)
            self.agentUp = table.agentIsUp(nowMicros: nowMicros)
            self.redisReachable = mode == .shared
            self.counts = Dictionary(
                uniqueKeysWithValues: ClusterLeaseTable.AgentCount.allCases.map { ($0, table.agentCount($0)) })
        }
    }

    public var totals: MetricsTotals
    public var tables: Tables
    public var cluster: Cluster?
    /// The request listeners' labels, in listener order.
    public var listeners: [String]
    public var version: String

    public init(totals: MetricsTotals, tables: Tables, listeners: [String], version: String) {
        self.totals = totals
        self.tables = tables
        self.listeners = listeners
        self.version = version
    }

    /// How an outcome is labelled: `allow`, `deny` (the client's fault: 401, 403, 429) or `error` (keygate's: 5xx).
    static func label(of outcome: Outcome) -> String {
        switch outcome.httpStatus {
        case 200: "allow"
        case 500...: "error"
        default: "deny"
        }
    }

    public var families: [MetricFamily] {
        let totals = self.totals
        var families: [MetricFamily] = [
            MetricFamily(
                name: "keygate_build_info", kind: .gauge, help: "keygate's version (always 1).",
                samples: [.init(labels: [.init("version", self.version)], value: .count(1))]),
            MetricFamily(
                name: "keygate_start_time_seconds", kind: .gauge, help: "When keygate started (Unix time).",
                unit: "seconds", samples: [.init(value: .count(totals[.startTimeSeconds]))]),
            MetricFamily(
                name: "keygate_decisions", kind: .counter,
                help: "Decisions by outcome (allow, deny: 401/403/429, error: 5xx) and reason.",
                samples: Outcome.allCases.map { outcome in
                    MetricSample(
                        suffix: "_total",
                        labels: [.init("outcome", Self.label(of: outcome)), .init("reason", outcome.rawValue)],
                        value: .count(totals.decisions(outcome)))
                }),
            self.durationHistogram(),
            MetricFamily(
                name: "keygate_connections_open", kind: .gauge, help: "Open front-end connections by listener.",
                samples: self.listeners.enumerated().map { index, label in
                    MetricSample(
                        labels: [.init("listener", label)], value: .count(totals.connectionsOpen(listener: index)))
                }),
            MetricFamily(
                name: "keygate_connections_accepted", kind: .counter,
                help: "Front-end connections accepted by listener.",
                samples: self.listeners.enumerated().map { index, label in
                    MetricSample(
                        suffix: "_total", labels: [.init("listener", label)],
                        value: .count(totals.connectionsAccepted(listener: index)))
                }),
            MetricFamily(
                name: "keygate_connections_closed", kind: .counter,
                help:
                    "Connections keygate closed: protocol errors, slow peers, idle ones closed at the connection cap.",
                samples: [
                    .init(
                        suffix: "_total", labels: [.init("reason", "protocol_error")],
                        value: .count(totals[.protocolErrors])),
                    .init(
                        suffix: "_total", labels: [.init("reason", "slow")], value: .count(totals[.slowConnections])),
                    .init(
                        suffix: "_total", labels: [.init("reason", "idle_at_cap")],
                        value: .count(totals[.idleClosedAtCap])),
                ]),
            MetricFamily(
                name: "keygate_key_cache_lookups", kind: .counter,
                help: "Key lookups answered by a worker's cache (hit) or the database (miss).",
                samples: [
                    .init(suffix: "_total", labels: [.init("result", "hit")], value: .count(totals[.keyCacheHits])),
                    .init(suffix: "_total", labels: [.init("result", "miss")], value: .count(totals[.keyCacheMisses])),
                ]),
            MetricFamily(
                name: "keygate_store_errors", kind: .counter, help: "Key lookups that failed (answered 500).",
                samples: [.init(suffix: "_total", value: .count(totals[.storeErrors]))]),
            MetricFamily(
                name: "keygate_workers_configured", kind: .gauge, help: "Worker processes keygate runs.",
                samples: [.init(value: .count(totals[.workersConfigured]))]),
            MetricFamily(
                name: "keygate_workers_ready", kind: .gauge, help: "Workers of the current generation accepting.",
                samples: [.init(value: .count(totals[.workersReady]))]),
            MetricFamily(
                name: "keygate_worker_restarts", kind: .counter,
                help: "Workers that exited unexpectedly and were restarted.",
                samples: [.init(suffix: "_total", value: .count(totals[.workerRestarts]))]),
            MetricFamily(
                name: "keygate_stuck_worker_kills", kind: .counter,
                help: "Workers killed for staying stopped past --stuck-worker-timeout.",
                samples: [.init(suffix: "_total", value: .count(totals[.stuckWorkerKills]))]),
            Self.byResult(
                "keygate_config_reloads", help: "SIGHUP reloads by result.", success: totals[.reloads],
                failure: totals[.reloadFailures]),
            MetricFamily(
                name: "keygate_config_last_reload_success_timestamp_seconds", kind: .gauge,
                help: "When the configuration was last reloaded (Unix time; 0: never).", unit: "seconds",
                samples: [.init(value: .count(totals[.lastReloadSeconds]))]),
            Self.byResult(
                "keygate_usage_rollups",
                help: "Usage roll-ups into the database by result (a failure is retried at the next one).",
                success: totals[.rollupRuns], failure: totals[.rollupFailures]),
            MetricFamily(
                name: "keygate_counters_file_lost", kind: .gauge,
                help: "1 when the counters file was truncated or replaced (keys with limits get 503 until a restart).",
                samples: [.init(value: .count(totals[.countersState] == 2 ? 1 : 0))]),
            MetricFamily(
                name: "keygate_metrics_slots_exhausted", kind: .counter,
                help: "Processes started without a metrics slot (their counts are missing here).",
                samples: [.init(suffix: "_total", value: .count(totals[.slotsExhausted]))]),
        ]
        if let cluster = self.cluster { families += Self.clusterFamilies(cluster) }
        let tables = self.tables
        if let used = tables.countersSlotsInUse, let capacity = tables.countersCapacity {
            families += [
                MetricFamily(
                    name: "keygate_counters_slots_used", kind: .gauge, help: "Counters-file key slots in use.",
                    samples: [.init(value: .count(UInt64(used)))]),
                MetricFamily(
                    name: "keygate_counters_slots", kind: .gauge,
                    help: "Counters-file key slots (--counters-capacity).",
                    samples: [.init(value: .count(UInt64(capacity)))]),
            ]
        }
        if let active = tables.ipEntriesActive, let capacity = tables.ipCapacity, let evictions = tables.ipEvictions {
            families += [
                MetricFamily(
                    name: "keygate_ip_table_entries_active", kind: .gauge,
                    help: "Per-IP table entries touched in the last minute.",
                    samples: [.init(value: .count(UInt64(active)))]),
                MetricFamily(
                    name: "keygate_ip_table_entries", kind: .gauge, help: "Per-IP table entries (--ip-table-size).",
                    samples: [.init(value: .count(UInt64(capacity)))]),
                MetricFamily(
                    name: "keygate_ip_table_evictions", kind: .counter,
                    help: "Per-IP entries evicted while still limiting (the table is too small).",
                    samples: [.init(suffix: "_total", value: .count(evictions))]),
            ]
        }
        return families
    }

    /// The families of limits shared with other hosts.
    private static func clusterFamilies(_ cluster: Cluster) -> [MetricFamily] {
        let calls = cluster.counts[.redisCalls] ?? 0
        let failures = cluster.counts[.redisFailures] ?? 0
        func counter(_ name: String, _ help: String, _ count: ClusterLeaseTable.AgentCount) -> MetricFamily {
            MetricFamily(
                name: name, kind: .counter, help: help,
                samples: [.init(suffix: "_total", value: .count(cluster.counts[count] ?? 0))])
        }
        return [
            MetricFamily(
                name: "keygate_cluster_agent_up", kind: .gauge,
                help: "1 while the cluster agent's heartbeat is fresh (else workers admit their outage share).",
                samples: [.init(value: .count(cluster.agentUp ? 1 : 0))]),
            MetricFamily(
                name: "keygate_cluster_redis_reachable", kind: .gauge,
                help: "1 while limits are shared through Redis; 0 while this host admits its outage share.",
                samples: [.init(value: .count(cluster.redisReachable ? 1 : 0))]),
            Self.byResult(
                "keygate_cluster_redis_calls",
                help: "The agent's calls to Redis by result (failures include timeouts).",
                success: calls &- failures, failure: failures),
            counter(
                "keygate_cluster_permits_leased", "Permits Redis granted this host (rate limits and quotas).",
                .permitsLeased),
            counter("keygate_cluster_permits_returned", "Unspent permits given back to Redis.", .permitsReturned),
            counter(
                "keygate_cluster_breaker_opens", "Times the agent found Redis unreachable and opened its breaker.",
                .breakerOpens),
            MetricFamily(
                name: "keygate_cluster_nodes", kind: .gauge, help: "Hosts seen in Redis's member set in the last 5 s.",
                samples: [.init(value: .count(cluster.counts[.nodesSeen] ?? 0))]),
        ]
    }

    /// A counter family with a `result="success"` and a `result="failure"` sample.
    private static func byResult(_ name: String, help: String, success: UInt64, failure: UInt64) -> MetricFamily {
        MetricFamily(
            name: name, kind: .counter, help: help,
            samples: [
                .init(suffix: "_total", labels: [.init("result", "success")], value: .count(success)),
                .init(suffix: "_total", labels: [.init("result", "failure")], value: .count(failure)),
            ])
    }

    private func durationHistogram() -> MetricFamily {
        let buckets = self.totals.durationBuckets
        var cumulative: UInt64 = 0
        var samples: [MetricSample] = []
        for (index, bound) in MetricsSlot.durationBoundsNanos.enumerated() {
            cumulative &+= buckets[index]
            samples.append(
                MetricSample(
                    suffix: "_bucket", labels: [.init("le", MetricValue.seconds(nanos: UInt64(bound)))],
                    value: .count(cumulative)))
        }
        cumulative &+= buckets[MetricsSlot.durationBoundsNanos.count]
        samples.append(MetricSample(suffix: "_bucket", labels: [.init("le", "+Inf")], value: .count(cumulative)))
        samples.append(MetricSample(suffix: "_sum", value: .nanosecondsAsSeconds(self.totals.durationSumNanos)))
        samples.append(MetricSample(suffix: "_count", value: .count(cumulative)))
        return MetricFamily(
            name: "keygate_decision_duration_seconds", kind: .histogram,
            help: "Time from a complete request to its answer, inside the worker.", unit: "seconds", samples: samples)
    }
}
