import ArgumentParser
import Glibc

/// Reads `name = value` lines (`#` comments, blank lines ignored) into `--name value` arguments.
enum ConfigFile {
    static func arguments(path: String, flagNames: Set<String>) throws -> [String] {
        guard let file = fopen(path, "r") else {
            throw ValidationError("--config \(path): cannot open it (\(String(cString: strerror(errno))))")
        }
        defer { fclose(file) }
        var arguments: [String] = []
        var lineNumber = 0
        var buffer = [CChar](repeating: 0, count: 8192)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            lineNumber += 1
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined()
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ValidationError("\(path):\(lineNumber): expected `name = value`")
            }
            let name = trimmed[..<equals].filter { $0 != " " && $0 != "\t" }
            var value = Substring(trimmed[trimmed.index(after: equals)...])
            while value.first == " " || value.first == "\t" { value = value.dropFirst() }
            while value.last == " " || value.last == "\t" { value = value.dropLast() }
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            guard !name.isEmpty, name != "config", name != "worker-fds" else {
                throw ValidationError("\(path):\(lineNumber): `\(name)` cannot be set in a config file")
            }
            if flagNames.contains(String(name)) {
                switch value.lowercased() {
                case "true", "yes", "on", "1": arguments.append("--\(name)")
                case "false", "no", "off", "0": break
                default: throw ValidationError("\(path):\(lineNumber): \(name) takes true or false")
                }
            } else {
                arguments += ["--\(name)", String(value)]
            }
        }
        return arguments
    }
}
