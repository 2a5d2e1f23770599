import KeygateCore
import KeygateCrypto
import KeygateStore

extension AdminAPI {
    /// `GET /v1/keys?limit=&cursor=&owner=&status=&name_prefix=`: keys in creation order, a page at a time.
    func listKeys(_ context: Context) throws -> AdminResponse {
        let query = context.request.query
        let limit = try Self.integerParameter(query, "limit", default: 50, range: 1...Self.maximumPageSize)
        let status = query["status"]
        if let status, !["active", "disabled", "revoked", "all"].contains(status) {
            throw AdminProblem.invalidField("status", "use active, disabled, revoked or all")
        }
        let cursor = try query["cursor"].map(Self.decodeCursor)
        let statuses: [KeyStatus]? =
            switch status {
            case nil: nil
            case "all": KeyStatus.allCases
            case let status?: KeyStatus(rawValue: status).map { [$0] }
            }
        // One more than the page: whether there is a next one.
        let records = try self.store.list(
            KeyListPage(
                statuses: statuses, owner: query["owner"], namePrefix: query["name_prefix"],
                after: cursor.map { ($0.createdAt, $0.id) }, limit: limit + 1))
        let page = Array(records.prefix(limit))
        let next: JSONValue =
            records.count > limit ? .string(Self.encodeCursor(page[page.count - 1])) : .null
        return .json(200, .object([("keys", .array(page.map { $0.json() })), ("next_cursor", next)]))
    }

    /// `POST /v1/keys`: the key, with its secret this once; an `Idempotency-Key` makes a retry answer the same key
    /// (without the secret, which keygate never stores).
    func createKey(_ context: Context) throws -> AdminResponse {
        let new = try AdminKeyInput.newKey(context.request.body, nowSeconds: context.nowSeconds)
        let idempotencyKey = try Self.idempotencyKey(context.request)
        let requestDigest = self.hexDigest(context.request.body)
        if let idempotencyKey,
            let earlier = try self.store.idempotencyRecord(adminKeyID: context.admin.id, idempotencyKey: idempotencyKey)
        {
            guard earlier.requestDigest == requestDigest else {
                throw AdminProblem(
                    422, "idempotency-key-reused", "Idempotency-Key reused",
                    "this Idempotency-Key was used with another request body")
            }
            guard let record = try self.store.find(id: earlier.resultID) else {
                throw AdminProblem(
                    409, "idempotent-key-gone", "Created key deleted",
                    "the key this Idempotency-Key created (\(earlier.resultID)) has been deleted since")
            }
            var fields = [("secret_shown", JSONValue.bool(false))]
            if case .object(let recordFields) = record.json() { fields = recordFields + fields }
            return .json(
                200, .object(fields),
                headers: [
                    ("Location", "/v1/keys/\(record.id)"), ("Idempotent-Replayed", "true"), ("ETag", self.etag(record)),
                ])
        }
        let (record, secret) = try self.store.create(new, now: context.nowSeconds, actor: context.actor)
        if let idempotencyKey {
            try self.store.recordIdempotency(
                adminKeyID: context.admin.id, idempotencyKey: idempotencyKey,
                AdminIdempotencyRecord(
                    requestDigest: requestDigest, resultID: record.id, createdAtSeconds: context.nowSeconds),
                retainSeconds: Self.idempotencyRetainSeconds)
        }
        return .json(
            201, record.json(secret: secret),
            headers: [("Location", "/v1/keys/\(record.id)"), ("ETag", self.etag(record))])
    }

    /// `GET /v1/keys/{id}`, with an ETag (`If-None-Match` answers 304).
    func getKey(_ context: Context) throws -> AdminResponse {
        let record = try self.requireKey(context.id)
        let etag = self.etag(record)
        if let match = context.request.headers["if-none-match"], Self.etags(match).contains(etag) || match == "*" {
            return AdminResponse(status: 304, headers: [("ETag", etag)])
        }
        return .json(200, record.json(), headers: [("ETag", etag)])
    }

    /// `PATCH /v1/keys/{id}`: `If-Match` (when sent) must name the current ETag, checked inside the write.
    func updateKey(_ context: Context) throws -> AdminResponse {
        let change = try AdminKeyInput.update(context.request.body, nowSeconds: context.nowSeconds)
        let ifMatch = context.request.headers["if-match"]
        let updated = try self.store.update(
            id: context.id, change, now: context.nowSeconds, actor: context.actor
        ) { current in
            guard let ifMatch, ifMatch != "*" else { return }
            guard Self.etags(ifMatch).contains(self.etag(current)) else {
                throw AdminProblem(
                    412, "precondition-failed", "Key changed",
                    "the key changed since that ETag was read: GET it again and reapply the change")
            }
        }
        guard let updated else { throw AdminProblem.notFound("no key \(context.id)") }
        return .json(200, updated.json(), headers: [("ETag", self.etag(updated))])
    }

    /// `DELETE /v1/keys/{id}`: 204.
    func deleteKey(_ context: Context) throws -> AdminResponse {
        guard try self.store.delete(id: context.id, now: context.nowSeconds, actor: context.actor) else {
            throw AdminProblem.notFound("no key \(context.id)")
        }
        return AdminResponse(status: 204)
    }

    /// `POST /v1/keys/{id}/rotate` (body `{"grace": "24h"}`, optional): the new secret, this once.
    func rotateKey(_ context: Context) throws -> AdminResponse {
        let input = try AdminJSONInput(context.request.body, allowed: ["grace"], emptyIsEmpty: true)
        var grace: Int64 = 0
        if let text = try input.text("grace") {
            guard let seconds = DurationSpec.seconds(text) ?? (text == "0" ? 0 : nil) else {
                throw AdminProblem.invalidField("grace", "\(text): use a duration (0, 30m, 24h, 7d)")
            }
            grace = seconds
        }
        guard
            let (record, secret) = try self.store.rotate(
                id: context.id, graceSeconds: grace, now: context.nowSeconds, actor: context.actor)
        else { throw AdminProblem.notFound("no key \(context.id)") }
        return .json(200, record.json(secret: secret), headers: [("ETag", self.etag(record))])
    }

    /// `POST /v1/keys/{id}/revoke`: for good; every worker denies it from its next request.
    func revokeKey(_ context: Context) throws -> AdminResponse {
        try AdminJSONInput(context.request.body, allowed: [], emptyIsEmpty: true).ignore()
        guard let record = try self.store.revoke(id: context.id, now: context.nowSeconds, actor: context.actor) else {
            throw AdminProblem.notFound("no key \(context.id)")
        }
        return .json(200, record.json(), headers: [("ETag", self.etag(record))])
    }

    /// `GET /v1/keys/{id}/usage?days=30`: one entry per day, oldest first, days without requests as zeros.
    func keyUsage(_ context: Context) throws -> AdminResponse {
        _ = try self.requireKey(context.id)
        let count = try Self.integerParameter(context.request.query, "days", default: 30, range: 1...366)
        let today = context.nowSeconds / 86_400
        let first = today - Int64(count) + 1
        let firstDay = String(Timestamp.iso8601(first * 86_400).prefix(10))
        var byDay: [String: UsageDay] = [:]
        for day in try self.store.usage(keyID: context.id, sinceDay: firstDay) { byDay[day.day] = day }
        let days = (first...today).map { day -> JSONValue in
            let name = String(Timestamp.iso8601(day * 86_400).prefix(10))
            let usage = byDay[name]
            return .object([
                ("day", .string(name)), ("admitted", .int(usage?.admitted ?? 0)),
                ("rejected", .int(usage?.rejected ?? 0)),
            ])
        }
        return .json(200, .object([("key_id", .string(context.id)), ("days", .array(days))]))
    }

    /// `GET /v1/keys/{id}/limits`: each of the key's limits as it stands now, nothing spent (what its next request
    /// would see): the limit, what remains, when it resets. 503 when this server has no decision path or the key's
    /// counters cannot be read.
    func keyLimits(_ context: Context) throws -> AdminResponse {
        let record = try self.requireKey(context.id)
        guard let limitReader = self.limitReader else {
            throw AdminProblem(503, "limits-off", "Limit state unavailable", "this admin server has no decision path")
        }
        guard let state = limitReader(record, context.nowMicros) else {
            throw AdminProblem(
                503, "limits-unavailable", "Limit state unavailable",
                "the key's counters cannot be read now (counters off or unavailable, or its record is held)")
        }
        let policies = record.policies
        let names = policies.names
        // The state is read as a request of cost 1 would be decided, nothing spent: when it would be admitted, each
        // policy's remaining is what is left after that one request, so one more is there now.
        let charged: Int64 = state.admitted ? 1 : 0
        let limits = state.evaluations.enumerated().map { index, evaluation -> JSONValue in
            let kind =
                index < policies.rateLimits.count
                ? "rate" : index < policies.rateLimits.count + policies.quotas.count ? "quota" : "credits"
            return .object([
                ("name", .string(names[index])), ("kind", .string(kind)), ("limit", .int(evaluation.limit)),
                ("remaining", .int(max(evaluation.remaining + charged, 0))),
                ("reset_seconds", .int((max(evaluation.resetMicros, 0) + 999_999) / 1_000_000)),
                ("window_seconds", .int(max(evaluation.windowMicros, 0) / 1_000_000)),
            ])
        }
        return .json(
            200,
            .object([
                ("key_id", .string(record.id)), ("admits_next", .bool(state.admitted)), ("limits", .array(limits)),
            ]))
    }

    /// `GET /v1/audit?key_id=&limit=100`: newest first.
    func listAudit(_ context: Context) throws -> AdminResponse {
        let limit = try Self.integerParameter(context.request.query, "limit", default: 100, range: 1...1000)
        let entries = try self.store.auditLog(keyID: context.request.query["key_id"], limit: limit)
        return .json(
            200,
            .object([
                (
                    "entries",
                    .array(
                        entries.map { entry in
                            .object([
                                ("seq", .int(entry.sequence)), ("at", .time(entry.atSeconds)),
                                ("actor", .string(entry.actor)),
                                ("action", .string(entry.action)), ("key_id", entry.keyID.map { .string($0) } ?? .null),
                                ("detail", .string(entry.detail)),
                            ])
                        })
                )
            ]))
    }

    /// `GET /v1/plans`.
    func listPlans(_ context: Context) throws -> AdminResponse {
        let plans = try self.store.plans()
        return .json(
            200,
            .object([
                (
                    "plans",
                    .array(plans.map(Self.json))
                )
            ]))
    }

    /// `GET /v1/decisions`: every decision this host's workers made since keygate started, by outcome (the console
    /// turns two of these into rates); 503 without `--metrics-listen`, which keeps the counts.
    func decisions(_ context: Context) throws -> AdminResponse {
        guard let counts = self.decisionCounts else {
            throw AdminProblem(
                503, "metrics-off", "No metrics",
                "decision counts are kept only when keygate serve runs with --metrics-listen")
        }
        let fields = counts().map { ($0.outcome, JSONValue.int(Int64(clamping: $0.count))) }
        return .json(
            200,
            .object([
                ("at_ms", .int(context.nowMicros / 1_000)), ("decisions", .object(fields)),
            ]))
    }

    // MARK: helpers

    func requireKey(_ id: String) throws -> KeyRecord {
        guard let record = try self.store.find(id: id) else { throw AdminProblem.notFound("no key \(id)") }
        return record
    }

    /// The key's ETag: a digest of what `GET` shows, its last use left out (that changes with traffic, not edits).
    func etag(_ record: KeyRecord) -> String {
        var stable = record
        stable.lastUsedAtSeconds = nil
        let digest = self.hasher.digest(stable.json().text).bytes
        return "\"" + digest.prefix(12).map { Self.hex($0) }.joined() + "\""
    }

    /// SHA-256 of `bytes` as they came (a request body), in hex.
    func hexDigest(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { self.hasher.digest($0) }.bytes.map { Self.hex($0) }.joined()
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// The entity tags listed in an `If-Match` / `If-None-Match` value (weak ones compared by their opaque part).
    static func etags(_ value: String) -> [String] {
        value.split(separator: ",").map { tag in
            let trimmed = String(tag).trimmingSpaces
            return trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed
        }
    }

    /// `Idempotency-Key`: 1–255 printable ASCII characters.
    static func idempotencyKey(_ request: AdminRequest) throws(AdminProblem) -> String? {
        guard let value = request.headers["idempotency-key"] else { return nil }
        let key = value.trimmingSpaces.trimmingCharacters(quotes: true)
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw AdminProblem.invalidField("Idempotency-Key", "use 1 to 255 printable ASCII characters")
        }
        return key
    }

    static func integerParameter(
        _ query: [String: String], _ name: String, default fallback: Int, range: ClosedRange<Int>
    ) throws(AdminProblem) -> Int {
        guard let text = query[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw AdminProblem.invalidField(name, "use a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A page's cursor: the last key's creation time and id, base62-safe (`1764633600.kid_…`).
    static func encodeCursor(_ record: KeyRecord) -> String { "\(record.createdAtSeconds).\(record.id)" }

    static func decodeCursor(_ text: String) throws(AdminProblem) -> (createdAt: Int64, id: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let createdAt = Int64(parts[0]), KeyIdentifier.isValid(String(parts[1])) else {
            throw AdminProblem.invalidField("cursor", "not a cursor this API gave (use next_cursor as it is)")
        }
        return (createdAt, String(parts[1]))
    }
}

extension AdminJSONInput {
    /// Nothing to read: the body was checked to have no fields.
    func ignore() {}
}

extension String {
    /// Without one pair of surrounding double quotes, when `quotes`.
    func trimmingCharacters(quotes: Bool) -> String {
        guard quotes, self.count >= 2, self.hasPrefix("\""), self.hasSuffix("\"") else { return self }
        return String(self.dropFirst().dropLast())
    }
}
