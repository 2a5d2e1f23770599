import Foundation
import Glibc
import Testing

/// `keygate serve --metrics-listen`: /metrics read from shared memory by its own process, checked by Prometheus' own
/// tools (promtool, Python's prometheus_client), through worker restarts, reloads and faults; /healthz and /readyz.
@Suite
final class MetricsTests {
    let scratch: Scratch
    let db: String
    let key: (id: String, secret: String)
    let limited: (id: String, secret: String)

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
        self.key = try Harness.createKey(db: self.db)
        self.limited = try Harness.createKey(db: self.db, ["--limit", "2/min"])
    }

    /// Starts keygate with metrics on a loopback port (or `extra`'s own `--metrics-listen`).
    func serve(workers: Int = 2, extra: [String] = [], configFile: String? = nil) throws -> (KeygateServer, String) {
        let port = Harness.freePort()
        let metrics = extra.contains("--metrics-listen") ? [] : ["--metrics-listen", "http://127.0.0.1:\(port)"]
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: workers,
            extra: metrics + extra + (configFile.map { ["--config", $0] } ?? []))
        let base = "http://127.0.0.1:\(port)"
        guard Harness.eventually({ (try? Curl.get(base + "/healthz"))?.status == 200 }) else {
            throw HarnessError("the metrics listener did not answer: \(server.log)")
        }
        return (server, base)
    }

    /// The scrape's samples by their full text (`name{labels}`), values as doubles.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    func scrape(_ base: String, accept: String? = nil) throws -> String {
        let response = try Curl.get(base + "/metrics", headers: accept.map { ["Accept": $0] } ?? [:])
        #expect(response.status == 200)
        return response.body
    }

    static let allowed = #"keygate_decisions_total{outcome="allow",reason="allow"}"#
    static let missing = #"keygate_decisions_total{outcome="deny",reason="missing"}"#
    static let rateLimited = #"keygate_decisions_total{outcome="deny",reason="rate_limited"}"#

    @Test func aScrapeCountsEveryDecisionAndPassesPrometheusOwnParsers() throws {
        let (server, base) = try self.serve()
        defer { server.stop() }
        for _ in 0..<5 { #expect(try server.ask([("HTTP_X_API_KEY", self.key.secret)]).status == 204) }
        for _ in 0..<3 { #expect(try server.ask([]).status == 401) }
        let limitedStatuses = try (0..<4).map { _ in try server.ask([("HTTP_X_API_KEY", self.limited.secret)]).status }
        #expect(limitedStatuses == [204, 204, 429, 429])

        let text = try self.scrape(base)
        let samples = Self.samples(text)
        #expect(samples[Self.allowed] == 7)
        #expect(samples[Self.missing] == 3)
        #expect(samples[Self.rateLimited] == 2)
        #expect(samples["keygate_decision_duration_seconds_count"] == 12)
        #expect(samples[#"keygate_decision_duration_seconds_bucket{le="+Inf"}"#] == 12)
        // Two keys looked up once each by whichever worker took them, then answered from that worker's cache.
        let hits = samples[#"keygate_key_cache_lookups_total{result="hit"}"#] ?? 0
        let misses = samples[#"keygate_key_cache_lookups_total{result="miss"}"#] ?? 0
        #expect(hits + misses == 9)
        #expect((2...4).contains(misses))
        #expect(samples["keygate_workers_configured"] == 2)
        // The supervisor notes readiness within a loop round (200 ms) of a worker's signal.
        #expect(
            Harness.eventually(timeout: 3) {
                (try? self.scrape(base)).map { Self.samples($0)["keygate_workers_ready"] } == 2
            })
        #expect(samples["keygate_counters_slots_used"] == 1)
        #expect(samples[#"keygate_connections_accepted_total{listener="unix:\#(server.socketPath)"}"#] == 12)
        #expect(samples[#"keygate_build_info{version="0.1.0"}"#] == 1)
        #expect(!text.contains(self.key.id) && !text.contains(self.key.secret))

        // Prometheus' own linter, and the reference client's parsers for both formats.
        let textFile = self.scratch.file("scrape.txt")
        try text.write(toFile: textFile, atomically: true, encoding: .utf8)
        let lint = try Harness.run("/bin/sh", ["-c", "promtool check metrics < \(textFile)"])
        #expect(lint.status == 0, "promtool: \(lint.stdout)\(lint.stderr)")
        let openMetrics = try self.scrape(base, accept: "application/openmetrics-text; version=1.0.0, text/plain;q=0.5")
        #expect(openMetrics.hasSuffix("# EOF\n"))
        let openMetricsFile = self.scratch.file("scrape.om")
        try openMetrics.write(toFile: openMetricsFile, atomically: true, encoding: .utf8)
        let parsed = try Harness.run(
            "/usr/bin/python3",
            [
                "-c",
                """
                import sys
                from prometheus_client.parser import text_string_to_metric_families as text
                from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
                def total(families):
                    for family in families:
                        for sample in family.samples:
                            if sample.name == 'keygate_decisions_total' and sample.labels['reason'] == 'allow':
                                return family.type, float(sample.value)
                print(total(text(open(sys.argv[1]).read())), total(om(open(sys.argv[2]).read())))
                """, textFile, openMetricsFile,
            ])
        #expect(parsed.status == 0, "prometheus_client: \(parsed.stderr)")
        #expect(parsed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "('counter', 7.0) ('counter', 7.0)")
    }

    @Test func countersNeverGoBackAcrossAWorkerRestartOrAReload() throws {
        let config = self.scratch.file("keygate.conf")
        try "log-level = debug\n".write(toFile: config, atomically: true, encoding: .utf8)
        let (server, base) = try self.serve(configFile: config)
        defer { server.stop() }
        for _ in 0..<6 { _ = try server.ask([("HTTP_X_API_KEY", self.key.secret)]) }
        let before = Self.samples(try self.scrape(base))
        #expect(before[Self.allowed] == 6)

        // A worker killed: its slot goes to its successor, counts and all.
        let victim = try #require(server.workers.first { Harness.children(of: $0).isEmpty && $0 != 0 })
        kill(victim, SIGKILL)
        #expect(Harness.eventually { server.log.components(separatedBy: "worker ready").count - 1 >= 3 })
        for _ in 0..<4 { _ = try server.ask([("HTTP_X_API_KEY", self.key.secret)]) }
        let afterRestart = Self.samples(try self.scrape(base))
        #expect(afterRestart[Self.allowed] == 10)
        #expect(afterRestart["keygate_worker_restarts_total"] == 1)

        // A reload: a new generation of workers (and of the metrics server) takes over.
        try "log-level = info\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(Harness.eventually { server.log.contains("configuration reloaded") })
        #expect(
            Harness.eventually {
                (try? self.scrape(base)).map { Self.samples($0)[#"keygate_config_reloads_total{result="success"}"#] }
                    == 1
            })
        for _ in 0..<2 { _ = try server.ask([("HTTP_X_API_KEY", self.key.secret)]) }
        let afterReload = Self.samples(try self.scrape(base))
        #expect(afterReload[Self.allowed] == 12)
        for (name, value) in before
        where name.contains("_total") || name.contains("_bucket") || name.hasSuffix("_count") {
            #expect((afterRestart[name] ?? -1) >= value, "\(name) went back across the restart")
            #expect((afterReload[name] ?? -1) >= (afterRestart[name] ?? 0), "\(name) went back across the reload")
        }
        #expect(afterReload["keygate_config_last_reload_success_timestamp_seconds"] ?? 0 > 0)
    }

    @Test func readinessFailsWhenTheCountersFileIsLostAndHealthWhenTheSupervisorStops() throws {
        let (server, base) = try self.serve()
        defer {
            kill(server.pid, SIGCONT)
            server.stop()
        }
        #expect(Harness.eventually(timeout: 5) { (try? Curl.get(base + "/readyz"))?.status == 200 })
        let ready = try Curl.get(base + "/readyz")
        #expect(ready.status == 200)
        #expect(ready.body.contains(#""status":"ready""#))
        #expect(ready.body.contains(#""workers":{"configured":2,"ready":2}"#))

        // The counters file truncated under keygate: limits fail closed, and a load balancer is told.
        #expect(truncate(self.db + ".counters", 0) == 0)
        #expect(
            Harness.eventually {
                (try? Curl.get(base + "/readyz"))?.body.contains("counters file was truncated or replaced") == true
            })
        let unready = try Curl.get(base + "/readyz")
        #expect(unready.body.contains(#""status":"not ready""#))
        #expect(unready.body.contains("counters file was truncated or replaced"))
        #expect(Self.samples(try self.scrape(base))["keygate_counters_file_lost"] == 1)

        // A stopped supervisor cannot restart anything: /healthz says so within seconds, and recovers.
        #expect(try Curl.get(base + "/healthz").status == 200)
        kill(server.pid, SIGSTOP)
        #expect(Harness.eventually(timeout: 8) { (try? Curl.get(base + "/healthz"))?.status == 503 })
        #expect(try Curl.get(base + "/healthz").body.contains("the supervisor has not run"))
        kill(server.pid, SIGCONT)
        #expect(Harness.eventually { (try? Curl.get(base + "/healthz"))?.status == 200 })
    }

    @Test func aBearerTokenGuardsMetricsOnAUnixSocket() throws {
        let socket = self.scratch.file("metrics.sock")
        let tokenFile = self.scratch.file("token")
        let token = "0123456789abcdef0123456789abcdef"
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let server = try KeygateServer(
            db: self.db, scratch: self.scratch, workers: 1,
            extra: ["--metrics-listen", "http+unix:\(socket)", "--metrics-token-file", tokenFile])
        defer { server.stop() }
        func status(_ path: String, _ headers: [String] = []) throws -> (Int, String) {
            let result = try Harness.run(
                "/usr/bin/curl",
                ["-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", socket]
                    + headers.flatMap { ["-H", $0] } + ["http://keygate\(path)"])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
        #expect(Harness.eventually { (try? status("/healthz"))?.0 == 200 })
        #expect(try status("/metrics").0 == 401)
        #expect(try status("/metrics", ["Authorization: Bearer wrong-token-wrong-token-wrong-tok"]).0 == 401)
        let scraped = try status("/metrics", ["Authorization: Bearer \(token)"])
        #expect(scraped.0 == 200)
        #expect(scraped.1.contains("# TYPE keygate_decisions_total counter"))
        #expect(try status("/nope").0 == 404)
        #expect(try status("/metrics", ["Authorization: Bearer \(token)", "X-HTTP-Method-Override: x"]).0 == 200)
        let post = try Harness.run(
            "/usr/bin/curl",
            [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "--unix-socket", socket,
                "http://k/metrics",
            ])
        #expect(post.stdout == "405")
        #expect(!server.log.contains(token))
    }

    @Test func startupRefusesUnsafeMetricsSettings() throws {
        let port = Harness.freePort()
        let exposed = try Harness.keygate([
            "serve", "--db", self.db, "--listen", "unix:" + self.scratch.file("k.sock"), "--metrics-listen",
            "http://0.0.0.0:\(port)",
        ])
        #expect(exposed.status != 0)
        #expect(exposed.stderr.contains("a non-loopback metrics address needs --metrics-token-file"))
        let weak = self.scratch.file("weak")
        try "short\n".write(toFile: weak, atomically: true, encoding: .utf8)
        let short = try Harness.keygate([
            "serve", "--db", self.db, "--listen", "unix:" + self.scratch.file("k.sock"), "--metrics-listen",
            "http://127.0.0.1:\(port)", "--metrics-token-file", weak,
        ])
        #expect(short.status != 0)
        #expect(short.stderr.contains("at least 16 printable characters"))
        let inProcess = try Harness.keygate([
            "serve", "--db", self.db, "--listen", "unix:" + self.scratch.file("k.sock"), "--workers", "0",
            "--metrics-listen", "http://127.0.0.1:\(port)",
        ])
        #expect(inProcess.status != 0)
        #expect(inProcess.stderr.contains("--metrics-listen needs --workers 1 or more"))
    }

    @Test func denialsAtInfoCarryTheRequestIDAndAFloodIsCutShort() throws {
        let (server, _) = try self.serve(
            workers: 1, extra: ["--log-denials", "--log-format", "json", "--log-level", "info"])
        defer { server.stop() }
        let bogus = "kg_" + String(repeating: "A", count: 40)
        for index in 0..<40 {
            _ = try server.ask([("HTTP_X_API_KEY", bogus), ("HTTP_X_REQUEST_ID", "req-\(index)")])
        }
        let denied = server.log.split(separator: "\n").filter { $0.contains(#""event":"denied""#) }
        #expect(denied.count == 10, "a flood is limited to 10 lines per 10 s: \(denied.count)")
        #expect(denied.first?.contains(#""request_id":"req-0""#) == true)
        #expect(denied.first?.contains(#""level":"info""#) == true)
        #expect(!server.log.contains(bogus))
        // The next denial after the window reports how many were held back.
        Thread.sleep(forTimeInterval: 10.5)
        _ = try server.ask([("HTTP_X_API_KEY", bogus)])
        #expect(
            Harness.eventually(timeout: 3) {
                server.log.contains("similar lines suppressed")
                    && (server.log.contains(#""count":30"#) || server.log.contains(#""count":"30""#))
            }, "\(server.log.suffix(600))")
    }

    @Test func theShippedAlertsAndDashboardUseOnlyMetricsKeygateServes() throws {
        let (server, base) = try self.serve(workers: 1, extra: ["--ip-limit", "100/s"])
        defer { server.stop() }
        _ = try server.ask([])
        let served = Set(Self.samples(try self.scrape(base)).keys.map { String($0.prefix { $0 != "{" }) })
        let ops = Harness.repository + "/ops/"
        let rules = try String(contentsOfFile: ops + "prometheus/keygate-alerts.yml", encoding: .utf8)
        let dashboard = try String(contentsOfFile: ops + "grafana/keygate-dashboard.json", encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any]
        let panels = try #require(object?["panels"] as? [[String: Any]])
        let targets = panels.flatMap { $0["targets"] as? [[String: Any]] ?? [] }
        let expressions = targets.compactMap { $0["expr"] as? String }
        #expect(expressions.count >= 10)
        let pattern = try NSRegularExpression(pattern: "keygate_[a-z0-9_]+")
        for (source, text) in [("alerts", rules), ("dashboard", expressions.joined(separator: "\n"))] {
            let names = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
                String(text[Range($0.range, in: text)!])
            }
            #expect(!names.isEmpty)
            for name in Set(names) {
                #expect(served.contains(name), "\(source) uses \(name), which keygate does not serve")
            }
        }
        let check = try Harness.run("/usr/bin/promtool", ["check", "rules", ops + "prometheus/keygate-alerts.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let unit = try Harness.run(
            "/bin/sh", ["-c", "cd \(ops)prometheus && promtool test rules keygate-alerts.test.yml"])
        #expect(unit.status == 0, "\(unit.stdout)\(unit.stderr)")
    }
}
