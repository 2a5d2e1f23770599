import KeygateCore
import KeygateStore

extension KeyRecord {
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
