import ArgumentParser
import Glibc
import KeygateCore

/// `keygate config …`: the config file `keygate serve --config` reads.
struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the config file of `keygate serve --config`.",
        subcommands: [ConfigCheck.self])
}

/// `keygate config check FILE`: every problem of a config file with its line, before a reload finds them.
struct ConfigCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a config file: prints each problem with its line and exits 78, or prints ok.",
        discussion: """
            Checks what `keygate serve --config FILE` checks before it opens anything: every line's syntax and \
            option, then the settings together (with KEYGATE_DB from the environment, as serve reads it). serve \
            refuses the same file with the first of these messages. Files the settings name (database, counters) \
            are not opened.
            """)

    @Argument(help: "The config file.") var file: String

    func run() throws {
        let problems = Self.problems(commandLine: ["--config", self.file])
        guard !problems.isEmpty else {
            print("\(self.file): ok")
            return
        }
        for problem in problems {
            let line = Array("\(problem)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        throw ExitCode(78)  // EX_CONFIG, as serve exits on a bad configuration
    }

    /// Every problem of the config file `commandLine` names, in line order; then, when every line is good, the first
    /// problem of the settings together. Empty when `keygate serve` with this command line would start.
    static func problems(commandLine: [String]) -> [String] {
        let input: ServeInput
        do { input = try ServeInput.gathering(commandLine: commandLine) } catch { return [error.description] }
        guard let source = input.configFile else { return [] }
        let found = ServeConfiguration.lineProblems(of: source).problems.map(\.description)
        guard found.isEmpty else { return found }
        do {
            _ = try ServeConfiguration(resolving: input)
            return []
        } catch {
            return [error.description]
        }
    }
}
