import KeygateCore
import KeygateCrypto
import KeygateStore
import Logging

/// The admin API: authenticates each request by its admin key, checks the grant its operation needs and the admin
/// limits, and runs it against the key store the CLI writes through (SQLite on one host, PostgreSQL for several).
///
/// Socket-free: ``handle(_:nowMicros:)`` takes an ``AdminRequest`` and returns an ``AdminResponse``, so every rule is
/// tested without a listener. Not thread-safe: the HTTP server calls it from one task at a time.
public final class AdminAPI {
    let store: any KeyStoring
    let hasher: SHA256Hasher
    private let logger: Logger
    private var perKey: AdminRateLimiter
    private var perAddress: AdminRateLimiter
    private var failureLog = LogThrottle(intervalMillis: 10_000)
    /// Decisions so far by outcome, from the shared metrics (`nil` without `--metrics-listen`).
    let decisionCounts: (@Sendable () -> [(outcome: String, count: UInt64)])?
    /// The gate's decision for a request, spending and counting as a worker does (`nil`: verify is off).
    let verifier: (@Sendable (AuthRequest, Int64) -> (decision: Decision, answer: AuthAnswer))?
    /// A key's limits as they stand, nothing spent (`nil`: no decision path here; the closure's `nil`: unreadable).
    let limitReader: (@Sendable (KeyRecord, Int64) -> PolicySetEvaluation?)?

    /// Admin requests per second (and burst) each admin key may make, unless `--admin-key-limit` says otherwise:
    /// enough for an app verifying its users' keys (`POST /v1/keys/verify`), a bound on a runaway script.
    public static let perKeyRate = (rate: 1_000.0, burst: 2_000.0)
    /// Failed authentications per second (and burst) from one client address: what bounds admin key guessing. An
    /// address over it gets 429 for every request until its bucket refills.
    public static let perAddressRate = (rate: 20.0, burst: 40.0)
    /// Largest request body, in bytes; a larger one is a 413.
    public static let maximumBodyBytes = 64 * 1024
    /// How long an `Idempotency-Key` is remembered.
    public static let idempotencyRetainSeconds: Int64 = 24 * 3600
    /// Most keys on one page of `GET /v1/keys`.
    static let maximumPageSize = 200

    public init(
        store: any KeyStoring, logger: Logger,
        decisionCounts: (@Sendable () -> [(outcome: String, count: UInt64)])? = nil,
        verifier: (@Sendable (AuthRequest, Int64) -> (decision: Decision, answer: AuthAnswer))? = nil,
        limitReader: (@Sendable (KeyRecord, Int64) -> PolicySetEvaluation?)? = nil,
        perKeyLimit: (rate: Double, burst: Double) = AdminAPI.perKeyRate
    ) throws {
        self.store = store
        self.decisionCounts = decisionCounts
        self.verifier = verifier
        self.limitReader = limitReader
        self.hasher = try SHA256Hasher()
        self.logger = logger
        self.perKey = AdminRateLimiter(rate: perKeyLimit.rate, burst: perKeyLimit.burst)
        self.perAddress = AdminRateLimiter(rate: Self.perAddressRate.rate, burst: Self.perAddressRate.burst)
    }

    /// Every operation served, as `METHOD /path/{id}`.
    public static var operations: [String] { AdminOperation.allCases.map { "\($0.method) \($0.pattern)" } }

    /// The answer to `request`.
    public func handle(_ request: AdminRequest, nowMicros: Int64) -> AdminResponse {
        var response: AdminResponse
        do {
            response = try self.answering(request, nowMicros: nowMicros)
        } catch let problem as AdminProblem {
            response = problem.response
        } catch let invalid as KeyValidationError {
            response = AdminProblem.invalidField(invalid.field, invalid.reason).response
        } catch {
            if let held = self.failureLog.allowing(nowMillis: nowMicros / 1_000) {
                self.logger.error(
                    "admin API: the key store failed",
                    metadata: ["error": "\(error)", "path": "\(request.path)", "similar_lines_held_back": "\(held)"])
            }
            response =
                AdminProblem(
                    503, "store-unavailable", "Key store unavailable",
                    "the key store could not be read or written; nothing was changed by a failed write; retry",
                    headers: ["Retry-After: 1"]
                ).response
        }
        response.headers += [
            ("Cache-Control", "no-store"), ("Content-Security-Policy", AdminConsoleAssets.contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
        ]
        if request.method == "HEAD" { response.body = [] }
        return response
    }

    private func answering(_ request: AdminRequest, nowMicros: Int64) throws -> AdminResponse {
        if let wait = self.perAddress.wait(request.remoteAddress, nowMicros: nowMicros) {
            throw Self.tooMany(wait, "this address (too many refused admin keys)")
        }
        let operation: AdminOperation
        let id: String?
        switch AdminOperation.matching(method: request.method, path: request.path) {
        case .found(let found, let foundID): (operation, id) = (found, foundID)
        case .notFound: throw AdminProblem.notFound("no such path: see /openapi.json")
        case .methodNotAllowed(let methods):
            throw AdminProblem(
                405, "method-not-allowed", "Method not allowed",
                "\(request.path) answers \(methods.joined(separator: ", "))",
                headers: ["Allow: \(methods.joined(separator: ", "))"])
        }
        guard let grant = operation.grant else { return Self.publicFile(operation) }
        let admin: AdminKey
        do { admin = try self.authenticate(request) } catch {
            if error.status == 401 { _ = self.perAddress.take(request.remoteAddress, nowMicros: nowMicros) }
            throw error
        }
        guard admin.grants.allow(grant.resource, grant.action) else {
            throw AdminProblem(
                403, "missing-grant", "Missing grant",
                "admin key \(admin.id) lacks \(grant.resource):\(grant.action)")
        }
        if let wait = self.perKey.take(admin.id, nowMicros: nowMicros) { throw Self.tooMany(wait, "this admin key") }
        if !request.body.isEmpty, let type = request.headers["content-type"],
            !type.lowercased().hasPrefix("application/json")
        {
            throw AdminProblem(415, "unsupported-media-type", "Unsupported media type", "send application/json")
        }
        let context = Context(
            request: request, admin: admin, id: id ?? "", nowSeconds: nowMicros / 1_000_000, nowMicros: nowMicros)
        switch operation {
        case .openAPI, .console, .consoleScript, .consoleStyle: return Self.publicFile(operation)
        case .listKeys: return try self.listKeys(context)
        case .createKey: return try self.createKey(context)
        case .getKey: return try self.getKey(context)
        case .updateKey: return try self.updateKey(context)
        case .deleteKey: return try self.deleteKey(context)
        case .rotateKey: return try self.rotateKey(context)
        case .revokeKey: return try self.revokeKey(context)
        case .keyUsage: return try self.keyUsage(context)
        case .keyLimits: return try self.keyLimits(context)
        case .listAudit: return try self.listAudit(context)
        case .listPlans: return try self.listPlans(context)
        case .createPlan: return try self.createPlan(context)
        case .updatePlan: return try self.updatePlan(context)
        case .deletePlan: return try self.deletePlan(context)
        case .decisionCounts: return try self.decisions(context)
        case .verifyKey: return try self.verify(context)
        case .listAdminKeys: return try self.listAdminKeys(context)
        case .createAdminKey: return try self.createAdminKey(context)
        case .revokeAdminKey: return try self.revokeAdminKey(context)
        }
    }

    /// The OpenAPI document and the console's files, which need no admin key.
    static func publicFile(_ operation: AdminOperation) -> AdminResponse {
        let (type, text) =
            switch operation {
            case .console: ("text/html; charset=utf-8", AdminConsoleAssets.html)
            case .consoleScript: ("text/javascript; charset=utf-8", AdminConsoleAssets.script)
            case .consoleStyle: ("text/css; charset=utf-8", AdminConsoleAssets.css)
            default: ("application/json", AdminOpenAPI.document)
            }
        return AdminResponse(status: 200, headers: [("Content-Type", type)], body: Array(text.utf8))
    }

    /// What a handler reads.
    struct Context {
        let request: AdminRequest
        let admin: AdminKey
        /// The path's `{id}` ("" when it has none).
        let id: String
        let nowSeconds: Int64
        let nowMicros: Int64
        /// Who acts, in the audit log.
        var actor: String { "admin:\(self.admin.id)" }
    }

    /// The admin key presented as `Authorization: Bearer …` (or `X-Admin-Key`), or a 401.
    private func authenticate(_ request: AdminRequest) throws(AdminProblem) -> AdminKey {
        let challenge = ["WWW-Authenticate: Bearer realm=\"keygate-admin\""]
        var presented = request.headers["x-admin-key"]
        if presented == nil, let authorization = request.headers["authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { presented = String(parts[1]) }
        }
        guard let secret = presented?.trimmingSpaces, !secret.isEmpty else {
            throw AdminProblem(
                401, "unauthenticated", "Admin key required",
                "send an admin key as `Authorization: Bearer kgadmin_…` (keygate admin-keys create)", headers: challenge
            )
        }
        let refused = AdminProblem(
            401, "unauthenticated", "Admin key refused", "the admin key is unknown or revoked", headers: challenge)
        guard secret.hasPrefix(AdminKey.secretPrefix), APIKeyFormat.isWellFormed(secret) else { throw refused }
        let found: AdminKey?
        do { found = try self.store.adminKey(digest: self.hasher.digest(secret)) } catch {
            throw AdminProblem(
                503, "store-unavailable", "Key store unavailable", "the admin key could not be checked; retry",
                headers: ["Retry-After: 1"])
        }
        guard let admin = found, admin.revokedAtSeconds == nil else { throw refused }
        return admin
    }

    private static func tooMany(_ seconds: Int, _ who: String) -> AdminProblem {
        AdminProblem(
            429, "rate-limited", "Too many admin requests",
            "\(who) is over the admin API's limit; retry in \(seconds) s",
            headers: ["Retry-After: \(seconds)"])
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
