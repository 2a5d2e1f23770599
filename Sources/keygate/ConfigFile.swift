import Glibc
import KeygateCore

/// The `name = value` lines of a `--config` file (`#` comments and blank lines ignored), each with its line number.
///
/// Names are the long options of `keygate serve` without `--`; a flag takes `true` or `false`. The command line
/// overrides the file name by name: an option given there (even a repeatable one such as `listen`) replaces every
/// line of the file with that name.
struct ConfigFile {
    /// One `name = value` line; `value` is `nil` for a flag set to true.
    struct Entry {
        var name: String
        var value: String?
        var line: Int

        var arguments: [String] { ["--\(self.name)"] + (self.value.map { [$0] } ?? []) }
    }

    let path: String
    let entries: [Entry]

    /// Names a file may not set: they only make sense on the command line of one process.
    static let commandLineOnly: Set<String> = ["config", "worker"]
    /// The largest config file read: far more than any real one, small enough to refuse a wrong path quickly.
    static let maximumBytes = 1 << 20

    /// The text of the file at `path`, read whole (at most ``maximumBytes``).
    static func text(at path: String) throws -> String {
        guard let file = fopen(path, "r") else {
            let code = errno
            throw ConfigurationError("--config \(path): cannot open it (\(String(cString: strerror(code))))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while bytes.count <= Self.maximumBytes {
            let count = fread(&buffer, 1, buffer.count, file)
            bytes += buffer.prefix(count)
            if count < buffer.count { break }
        }
        guard ferror(file) == 0 else { throw ConfigurationError("--config \(path): cannot read it") }
        guard bytes.count <= Self.maximumBytes else {
            throw ConfigurationError(
                "--config \(path): larger than \(Self.maximumBytes) bytes; not a keygate config file")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Checks the syntax of `text`, the contents of the file at `path`; `flagNames` are the options that take no value.
    /// Throws the first line's problem.
    init(path: String, text: String, flagNames: Set<String>) throws(ConfigurationError) {
        let (file, problems) = Self.reading(path: path, text: text, flagNames: flagNames)
        if let first = problems.first { throw first }
        self = file
    }

    private init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    /// The file's good lines, and the problem of each other line, in line order (for `keygate config check`).
    static func reading(path: String, text: String, flagNames: Set<String>) -> (ConfigFile, [ConfigurationError]) {
        var entries: [Entry] = []
        var problems: [ConfigurationError] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            do {
                if let entry = try Self.entry(line, number: index + 1, path: path, flagNames: flagNames) {
                    entries.append(entry)
                }
            } catch {
                problems.append(error)
            }
        }
        return (ConfigFile(path: path, entries: entries), problems)
    }

    /// The entry of one line: `nil` for a blank or comment line, or a flag set to false.
    private static func entry(
        _ line: Substring, number lineNumber: Int, path: String, flagNames: Set<String>
    ) throws(ConfigurationError) -> Entry? {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = content.split(whereSeparator: { $0 == "\r" }).joined()
        if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        guard let equals = trimmed.firstIndex(of: "=") else {
            throw ConfigurationError("\(path):\(lineNumber): expected `name = value`")
        }
        let name = String(trimmed[..<equals].filter { $0 != " " && $0 != "\t" })
        var value = Substring(trimmed[trimmed.index(after: equals)...])
        while value.first == " " || value.first == "\t" { value = value.dropFirst() }
        while value.last == " " || value.last == "\t" { value = value.dropLast() }
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
        guard !name.isEmpty, !name.hasPrefix("-"), !Self.commandLineOnly.contains(name) else {
            throw ConfigurationError(
                "\(path):\(lineNumber): `\(name)` cannot be set in a config file; use an option name of "
                    + "`keygate serve --help` without the leading --")
        }
        guard flagNames.contains(name) else { return Entry(name: name, value: String(value), line: lineNumber) }
        switch value.lowercased() {
        case "true", "yes", "on", "1": return Entry(name: name, value: nil, line: lineNumber)
        case "false", "no", "off", "0": return nil
        default: throw ConfigurationError("\(path):\(lineNumber): \(name) takes true or false, not `\(value)`")
        }
    }

    /// The problem of every line that `parse` (which throws what ArgumentParser says about an unknown name or a value
    /// of the wrong type) refuses on its own, with the file name and line number, in line order.
    func lineProblems(_ parse: ([String]) throws -> Void, message: (any Error) -> String) -> [ConfigurationError] {
        self.entries.compactMap { entry in
            do {
                try parse(entry.arguments)
                return nil
            } catch {
                return ConfigurationError(
                    "\(self.path):\(entry.line): \(entry.name)\(entry.value.map { " = \($0)" } ?? ""): "
                        + "\(message(error)) (names are the long options of `keygate serve --help` without --)")
            }
        }
    }

    /// Every line's problem in line order, its syntax (``reading(path:text:flagNames:)``) or its option (`parse`, as
    /// in ``lineProblems(_:message:)``), with the file that holds the good lines: what `keygate config check` lists
    /// and the first of which `keygate serve` refuses the file with.
    static func problems(
        path: String, text: String, flagNames: Set<String>, parse: ([String]) throws -> Void,
        message: (any Error) -> String
    ) -> (file: ConfigFile, problems: [ConfigurationError]) {
        let (file, syntax) = Self.reading(path: path, text: text, flagNames: flagNames)
        let all = syntax + file.lineProblems(parse, message: message)
        func line(_ problem: ConfigurationError) -> Int {
            Int(problem.description.dropFirst(path.count + 1).prefix { $0.isNumber }) ?? 0
        }
        // Stable: a line has one problem, either of syntax or of its option.
        return (
            file,
            all.enumerated().sorted { (line($0.element), $0.offset) < (line($1.element), $1.offset) }.map(\.element)
        )
    }

    /// The file's lines as arguments, followed by `commandLine`; a name given on the command line drops the file's lines.
    func arguments(overriddenBy commandLine: [String]) -> [String] {
        let given = Set(commandLine.compactMap(Self.optionName))
        return self.entries.filter { !given.contains($0.name) }.flatMap(\.arguments) + commandLine
    }

    /// `message` with this file's name and line in front when it is about an option the file set and the command
    /// line did not (messages about an option start with `--name`).
    func locating(_ message: String, commandLine: [String]) -> String {
        guard message.hasPrefix("--"), let name = Self.optionName(String(message.prefix { $0 != " " && $0 != ":" })),
            !commandLine.contains(where: { Self.optionName($0) == name }),
            let entry = self.entries.last(where: { $0.name == name && message.contains($0.value ?? "") })
                ?? self.entries.last(where: { $0.name == name })
        else { return message }
        return "\(self.path):\(entry.line): \(message)"
    }

    /// `name` of an argument `--name` or `--name=value`; `nil` for anything else.
    static func optionName(_ argument: String) -> String? {
        guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
        return String(argument.dropFirst(2).prefix { $0 != "=" })
    }

    /// The values given to `--name` in `arguments` (as `--name value` or `--name=value`), in order; read by hand so
    /// that nothing is validated before the config file is folded in.
    static func values(of name: String, in arguments: [String]) -> [String] {
        var found: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--\(name)", index + 1 < arguments.endIndex {
                found.append(arguments[index + 1])
                index += 1
            } else if argument.hasPrefix("--\(name)=") {
                found.append(String(argument.dropFirst(name.count + 3)))
            }
            index += 1
        }
        return found
    }
}
