import ArgumentParser
import KeygateAdmin
import KeygateCore
import KeygateStore
import KeygateSystem

/// `keygate admin-keys …`: the keys that authenticate the admin API (`serve --admin-listen`).
struct AdminKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-keys", abstract: "Create, list and revoke the admin API's keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin key; its secret is shown this once.")
        @OptionGroup var store: StoreOptions
        @Option(help: "A name for people reading `admin-keys list`.") var name: String
        @Option(
            name: .customLong("grant"),
            help: ArgumentHelp(
                "What the key may do (repeatable): `*`, or resource:action with either part `*`, e.g. keys:create, "
                    + "keys:*, usage:read.", valueName: "grant"))
        var grants: [String] = []
        @Flag(help: "Print JSON (with `id` and `secret`).") var json = false

        func run() throws {
            var parsed: [AdminGrant] = []
            for text in self.grants {
                guard let grant = AdminGrant(text) else { throw ValidationError("--grant \(text): \(AdminGrant.help)") }
                if !parsed.contains(grant) { parsed.append(grant) }
            }
            guard !parsed.isEmpty else { throw ValidationError("give at least one --grant: \(AdminGrant.help)") }
            let keys = try self.store.openStore(create: true)
            let (key, secret) = try keys.createAdminKey(
                name: self.name, grants: parsed, now: Clock.nowSeconds(), actor: StoreOptions.actor)
            if self.json {
                var fields = [("secret", JSONValue.string(secret))]
                if case .object(let keyFields) = key.json { fields = keyFields + fields }
                print(JSONValue.object(fields).text)
            } else {
                print(
                    "id      \(key.id)\nname    \(key.name)\ngrants  \(key.grants.map(\.description).joined(separator: " "))"
                )
                print("secret  \(secret)")
                print("\nStore this admin key now: keygate keeps only its SHA-256 and cannot show it again.")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List admin keys (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: false).adminKeys()
            if self.json {
                print(JSONValue.array(keys.map(\.json)).text)
                return
            }
            print(
                table(
                    ["ID", "NAME", "GRANTS", "CREATED", "REVOKED"],
                    keys.map {
                        [
                            $0.id, $0.name, $0.grants.map(\.description).joined(separator: " "),
                            Timestamp.iso8601($0.createdAtSeconds), $0.revokedAtSeconds.map(Timestamp.iso8601) ?? "-",
                        ]
                    }))
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an admin key for good.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The admin key's id (adm_…).") var id: String

        func run() throws {
            guard AdminKey.isValidID(self.id) else {
                throw ValidationError("\(self.id) is not an admin key id (adm_…)")
            }
            guard
                let key = try self.store.openStore(create: false).revokeAdminKey(
                    id: self.id, now: Clock.nowSeconds(), actor: StoreOptions.actor)
            else { throw CLIError("no admin key \(self.id)") }
            print("revoked \(key.id) (\(key.name))")
        }
    }
}

/// `keygate admin-openapi`: prints the admin API's OpenAPI document (the one `/openapi.json` serves).
struct AdminOpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-openapi", abstract: "Print the admin API's OpenAPI 3.1 document.")

    func run() throws {
        print(AdminOpenAPI.document, terminator: "")
    }
}
