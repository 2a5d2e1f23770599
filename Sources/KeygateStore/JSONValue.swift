import KeygateCore

/// A minimal JSON writer: keygate's output is flat objects of strings, numbers, lists and embedded JSON.
public enum JSONValue: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// Already-valid JSON text (stored metadata), embedded verbatim.
    case raw(String)

    /// The value as JSON text, written into one string as it goes (a page of keys is a few hundred values).
    public var text: String {
        var output = ""
        output.reserveCapacity(256)
        self.write(to: &output)
        return output
    }

    /// Appends the value's JSON text to `output`.
    public func write(to output: inout String) {
        switch self {
        case .string(let value): JSONText.appendQuoted(value, to: &output)
        case .int(let value): output.append(String(value))
        case .bool(let value): output.append(value ? "true" : "false")
        case .null: output.append("null")
        case .raw(let value): output.append(value)
        case .array(let values):
            output.append("[")
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(",") }
                value.write(to: &output)
            }
            output.append("]")
        case .object(let fields):
            output.append("{")
            for (index, (name, value)) in fields.enumerated() {
                if index > 0 { output.append(",") }
                JSONText.appendQuoted(name, to: &output)
                output.append(":")
                value.write(to: &output)
            }
            output.append("}")
        }
    }

    public static func time(_ seconds: Int64?) -> JSONValue {
        seconds.map { .string(Timestamp.iso8601($0)) } ?? .null
    }
}

extension KeyRecord {
    /// The key as `keys show --json` and the admin API print it; `secret` (shown once) as `key`.
    public func json(secret: String? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [("id", .string(self.id))]
        if let secret { fields.append(("key", .string(secret))) }
        fields += [
            ("name", .string(self.name)),
            ("owner", .string(self.owner)),
            ("prefix", .string(self.displayPrefix)),
            ("status", .string(self.status.rawValue)),
            ("scopes", .array(self.scopes.map { .string($0) })),
            ("created_at", .time(self.createdAtSeconds)),
            ("expires_at", .time(self.expiresAtSeconds)),
            ("last_used_at", .time(self.lastUsedAtSeconds)),
            ("allowed_ips", .array(self.allowedNetworks.map { .string($0.description) })),
            ("allowed_origins", .array(self.allowedOrigins.map { .string($0) })),
            ("metadata", .raw(self.metadataJSON)),
            ("plan", self.plan.map { .string($0) } ?? .null),
            ("policies", self.policies.json),
        ]
        return .object(fields)
    }
}

extension PolicySet {
    /// The policies as the CLI prints them: spec strings by kind.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("limits", .array(self.rateLimits.map { .string(PolicySpecText.spec($0) ?? $0.name) })),
            ("quotas", .array(self.quotas.map { .string(PolicySpecText.spec($0)) })),
        ]
        if let credits = self.credits {
            var credit: [(String, JSONValue)] = [("initial", .int(credits.initial))]
            if let refill = PolicySpecText.spec(credits.refill) { credit.append(("refill", .string(refill))) }
            fields.append(("credits", .object(credit)))
        } else {
            fields.append(("credits", .null))
        }
        return .object(fields)
    }
}
