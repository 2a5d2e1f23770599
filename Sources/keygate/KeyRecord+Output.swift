import KeygateCore
import KeygateStore

/// A minimal JSON writer: keygate's output is flat objects of strings, numbers, lists and embedded JSON.
enum JSONValue {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// Already-valid JSON text (stored metadata), embedded verbatim.
    case raw(String)

    var text: String {
        switch self {
        case .string(let value): return JSONText.quoted(value)
        case .int(let value): return "\(value)"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .raw(let value): return value
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { JSONText.quoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func time(_ seconds: Int64?) -> JSONValue {
        seconds.map { .string(Timestamp.iso8601($0)) } ?? .null
    }
}

extension KeyRecord {
    func json(secret: String? = nil) -> JSONValue {
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

    /// Multi-line description for `keys show` and `keys create` without `--json`.
    func humanDescription(secret: String? = nil) -> String {
        var lines: [(String, String)] = [("id", self.id)]
        if let secret { lines.append(("key", secret)) }
        lines += [
            ("name", self.name), ("owner", self.owner.isEmpty ? "-" : self.owner), ("prefix", self.displayPrefix),
            ("status", self.status.rawValue),
            ("scopes", self.scopes.isEmpty ? "-" : self.scopes.joined(separator: " ")),
            ("created", Timestamp.iso8601(self.createdAtSeconds)),
            ("expires", self.expiresAtSeconds.map(Timestamp.iso8601) ?? "never"),
            ("last used", self.lastUsedAtSeconds.map(Timestamp.iso8601) ?? "never"),
            (
                "allowed ips",
                self.allowedNetworks.isEmpty ? "any" : self.allowedNetworks.map(\.description).joined(separator: " ")
            ),
            ("allowed origins", self.allowedOrigins.isEmpty ? "any" : self.allowedOrigins.joined(separator: " ")),
            ("metadata", self.metadataJSON),
            ("plan", self.plan ?? "-"),
            ("limits", self.policies.summary),
        ]
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(
            separator: "\n")
    }
}

/// Left-aligned text columns, two spaces apart.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            text +=
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
        }
        return text
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}
