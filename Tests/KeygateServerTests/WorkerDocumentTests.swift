import KeygateCore
import Testing

@testable import KeygateServer

struct WorkerDocumentTests {
    /// A document with every optional field set, a list of two, and values that need escaping.
    static var full: WorkerDocument {
        var policy = GatePolicy(
            queryParameter: "api_key", trustedProxies: [CIDR("10.0.0.0/8")!, CIDR("::1")!], realm: "a \"b\"%\nc",
            identityHeaders: false,
            keylessIPLimit: RateLimitPolicy(limit: 30, periodMicros: 60_000_000, name: "per-ip"),
            globalIPLimit: RateLimitPolicy(limit: 100, periodMicros: 1_000_000, burst: 250, name: "per-ip-all"))
        policy.explainOnly = true
        var configuration = WorkerConfiguration(
            databasePath: "/var/lib/keygate/keys db=1.db", lastUsedPath: "/run/k.state", lastUsedCapacity: 1024,
            countersPath: "/run/k.counters", countersCapacity: 2048, policy: policy,
            limits: FastCGILimits(maxParamsBytes: 4096, maxParamCount: 100, maxConnections: 7, maxRequests: 9),
            maxConnections: 7, idleTimeoutMillis: 1_000, requestTimeoutMillis: 2_000, drainTimeoutMillis: 3_000)
        configuration.countersFileID = 0xdead_beef_0123_4567
        configuration.ipTablePath = "/run/k.ipcounters"
        configuration.ipTableCapacity = 64
        configuration.httpLimits = HTTPHeadLimits(
            maxHeadBytes: 4000, maxFieldLines: 10, maxNameBytes: 20, maxTargetBytes: 30)
        configuration.logLevel = .debug
        configuration.logDenials = true
        configuration.listenerLabels = ["unix:/run/k.sock", "http://127.0.0.1:9000?for=envoy"]
        configuration.metricsTokenFile = "/etc/keygate/metrics token"
        let http = ListeningSocket.fromWorkerToken("4?for=envoy&allow=200&client-ip=x-real-ip")!
        return WorkerDocument(
            configuration: configuration,
            listeners: [ListeningSocket(fd: 3, address: .inherited(fd: 3), createdPath: nil), http], readyFD: 5,
            metricsFD: 6, metricsSlot: 17)
    }

    @Test func everyFieldSurvivesTheRoundTrip() throws {
        let document = Self.full
        let decoded = try WorkerDocument(decoding: document.encoded)
        #expect(decoded == document)
        #expect(decoded.configuration.policy.keylessIPLimit?.name == "per-ip")
        #expect(decoded.configuration.policy.globalIPLimit?.burst == 250)
        #expect(decoded.listeners.map(\.fd) == [3, 4])
        #expect(decoded.metricsFD == 6 && decoded.metricsSlot == 17)
        #expect(decoded.configuration.listenerLabels == ["unix:/run/k.sock", "http://127.0.0.1:9000?for=envoy"])
        #expect(decoded.configuration.logDenials)
        #expect(decoded.listeners[0].wire == .fastCGI)
        #expect(decoded.listeners[1].wire == .http(try ForwardAuthStyle.parse("for=envoy&client-ip=x-real-ip").get()))
    }

    @Test func absentOptionalsStayAbsent() throws {
        let document = WorkerDocument(
            configuration: WorkerConfiguration(databasePath: "keys.db"),
            listeners: [ListeningSocket(fd: 3, address: .inherited(fd: 3), createdPath: nil)], readyFD: nil)
        let text = document.encoded
        #expect(!text.contains("counters=") && !text.contains("last-used=") && !text.contains("ready-fd"))
        let decoded = try WorkerDocument(decoding: text)
        #expect(decoded == document)
        #expect(decoded.configuration.countersPath == nil && decoded.configuration.policy.keylessIPLimit == nil)
    }

    @Test func theTextIsOneLinePerFieldBehindTheVersion() {
        let lines = Self.full.encoded.split(separator: "\n")
        #expect(lines.first == "keygate-worker-configuration 1")
        #expect(lines.contains("realm=a \"b\"%25%0Ac"))
        #expect(lines.contains("counters-file-id=deadbeef01234567"))
        #expect(lines.contains("keyless-ip-limit=30,60000000,30,per-ip"))
        #expect(lines.filter { $0.hasPrefix("trust-proxy=") } == ["trust-proxy=10.0.0.0/8", "trust-proxy=::1/128"])
        #expect(lines.suffix(3) == ["ready-fd=5", "metrics-fd=6", "metrics-slot=17"])
    }

    /// Edits of a good document (the first `from` replaced by `to`), and the words the refusal must contain.
    @Test(arguments: [
        ("keygate-worker-configuration 1", "", "the first line is ``"),
        ("keygate-worker-configuration 1", "garbage\nkeygate-worker-configuration 1", "the first line is `garbage`"),
        ("configuration 1", "configuration 2", "is `keygate-worker-configuration 2`"),
        ("ready-fd=5", "ready-fd=5\ncolour=blue", "unknown field `colour`"),
        ("ready-fd=5", "ready-fd=5\nrealm=again", "field `realm` appears twice"),
        ("ready-fd=5", "ready-fd=5\nno equals sign", "is not `name=value`"),
        ("\nmax-connections=7\n", "\n", "field `max-connections` is missing"),
        ("idle-timeout-ms=1000", "idle-timeout-ms=soon", "field `idle-timeout-ms`: cannot read `soon`"),
        ("explain-only=true", "explain-only=yes", "field `explain-only`: cannot read `yes`"),
        ("listener=3", "listener=x", "field `listener`: cannot read `x`"),
        ("listener=4?for=envoy", "listener=4?for=nope", "field `listener`: cannot read `4?for=nope"),
        ("trust-proxy=::1/128", "trust-proxy=::1/999", "field `trust-proxy`"),
        ("keyless-ip-limit=30,", "keyless-ip-limit=x,", "field `keyless-ip-limit`"),
        ("log-level=debug", "log-level=loud", "field `log-level`: cannot read `loud`"),
        ("%25", "%2", "field `realm`: bad percent-escape"),
        ("counters-file-id=deadbeef", "counters-file-id=xyz", "field `counters-file-id`"),
    ])
    func aDamagedDocumentIsRefusedNamingWhy(from: String, to: String, mentions: String) {
        let text = Self.full.encoded.replacing(from, with: to, maxReplacements: 1)
        #expect(text != Self.full.encoded)
        let error = #expect(throws: ConfigurationError.self) {
            _ = try WorkerDocument(decoding: text)
        }
        #expect(error?.description.hasPrefix("worker configuration: ") == true)
        #expect(error?.description.contains(mentions) == true, "\(error?.description ?? "decoded")")
    }

    @Test func anEmptyDocumentIsRefused() {
        let error = #expect(throws: ConfigurationError.self) { _ = try WorkerDocument(decoding: "") }
        #expect(error?.description.contains("the first line is nothing") == true)
    }

    @Test func aDocumentWithoutListenersIsRefused() {
        let document = WorkerDocument(
            configuration: WorkerConfiguration(databasePath: "keys.db"), listeners: [], readyFD: 4)
        #expect(throws: ConfigurationError("worker configuration: no `listener` field")) {
            _ = try WorkerDocument(decoding: document.encoded)
        }
    }

    @Test func escapingRoundTripsEveryByteThatWouldBreakALine() {
        for value in ["", "plain", "100%", "a\nb\rc\td", "\u{7F}", "ünïcødé %41"] {
            let escaped = WorkerDocument.escaping(value)
            #expect(!escaped.contains("\n") && !escaped.contains("\r"))
            #expect(WorkerDocument.unescaping(Substring(escaped)) == value)
        }
        #expect(WorkerDocument.unescaping("%4") == nil)
        #expect(WorkerDocument.unescaping("%zz") == nil)
    }
}
