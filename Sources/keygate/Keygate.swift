import ArgumentParser
import Glibc
import KeygateCore
import KeygateServer

@main
struct Keygate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygate",
        abstract: "API-key auth and quota gate for nginx auth_request and Apache FastCGI authorizers.",
        discussion: """
            Started with no arguments and a listening socket on descriptor 0 (mod_fcgid, spawn-fcgi), keygate serves \
            that socket in one process, configured by KEYGATE_DB and KEYGATE_CONFIG. Started with no arguments, \
            GATEWAY_INTERFACE set and no listening socket on descriptor 0 (a CGI program), keygate answers the one \
            request in its environment on stdout and exits, configured the same way.
            """,
        version: KeygateVersion.current,
        subcommands: [
            Keys.self, Plans.self, Usage.self, Serve.self, Check.self, Config.self, Audit.self, Migrate.self,
            AdminKeys.self, AdminOpenAPICommand.self,
        ])

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let mode = StartMode.resolving(
            argumentCount: arguments.count,
            standardInputIsListeningSocket: arguments.isEmpty && ListeningSocket.isListeningSocket(0),
            gatewayInterface: getenv("GATEWAY_INTERFACE").map { String(cString: $0) })
        if mode != .commandLine {
            // FastCGI §2.2: a web server that spawns us passes the listening socket as fd 0 and no arguments.
            arguments = ["serve", "--listen", "fd:0", "--workers", "0"]
            // Installed as `keygate-explain` (a link to this binary), it is the ErrorDocument handler behind mod_fcgid.
            if CommandLine.arguments[0].split(separator: "/").last == "keygate-explain" {
                arguments.append("--explain-only")
            }
        }
        if mode == .cgi { Glibc.exit(CGIProgram.run(commandLine: Array(arguments.dropFirst()))) }
        do {
            var command = try Self.parseAsRoot(arguments)
            try command.run()
        } catch {
            Self.exit(withError: error)
        }
    }
}

/// A failure the user can act on, printed as `Error: <message>` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
