import ArgumentParser
import Glibc
import KeygateCore
import KeygatePostgres
import KeygateStore
import KeygateSystem

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, update, rotate, revoke and delete API keys.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Revoke.self, Rotate.self, Delete.self])
}

/// Parsing of the values key commands share; every mistake is a usage error naming the flag.
enum KeyArguments {
    static func scopes(_ values: [String]) throws -> [String] {
        let scopes = values.flatMap { ScopeSet.parse($0) }
        for scope in scopes where !ScopeSet.isValid(scope) {
            throw ValidationError("--scope \(scope): scopes are 1-64 characters of letters, digits and : . _ - / *")
        }
        var unique: [String] = []
        for scope in scopes where !unique.contains(scope) { unique.append(scope) }
        return unique
    }

    static func networks(_ values: [String]) throws -> [CIDR] {
        try values.flatMap { $0.split(separator: ",").map(String.init) }.map { text in
            guard let network = CIDR(text) else {
                throw ValidationError(
                    "--allow-ip \(text): not an address or network (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32; host bits must be zero)"
                )
            }
            return network
        }
    }

    static func origins(_ values: [String]) throws -> [String] {
        try values.flatMap { $0.split(separator: ",").map(String.init) }.map { origin in
            guard let normalized = AllowedOrigin.normalized(origin) else {
                throw ValidationError(
                    "--allow-origin \(origin): an origin is scheme://host[:port], e.g. https://app.example.com")
            }
            return normalized
        }
    }

    /// `90d`-style durations from now, or an absolute `YYYY-MM-DD[THH:MM:SSZ]`; must lie in the future.
    static func expiry(_ text: String, now: Int64) throws -> Int64 {
        if let seconds = DurationSpec.seconds(text) { return now + seconds }
        if let absolute = Timestamp.parse(text) {
            guard absolute > now else { throw ValidationError("--expires \(text): that time is in the past") }
            return absolute
        }
        throw ValidationError(
            "--expires \(text): use a duration (30m, 12h, 90d, 2w) or a UTC date (2027-01-31 or 2027-01-31T12:00:00Z)")
    }

    static func print(_ record: KeyRecord, secret: String?, json: Bool) {
        if json {
            Swift.print(record.json(secret: secret).text)
        } else {
            Swift.print(record.humanDescription(secret: secret))
            if secret != nil {
                Swift.print("\nStore this key now: keygate keeps only its SHA-256 and cannot show it again.")
            }
        }
    }
}

extension Keys {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is shown this once.")
        @OptionGroup var store: StoreOptions
        @Option(help: "A name for people reading `keys list`.") var name: String
        @Option(help: "Who the key belongs to (sent upstream as X-Keygate-Owner).") var owner: String = ""
        @Option(name: .customLong("scope"), help: "A scope the key grants (repeatable, or comma-separated).")
        var scopes: [String] = []
        @Option(help: "Expiry: a duration from now (90d, 12h) or a UTC date (2027-01-31).") var expires: String?
        @Option(help: "A JSON object stored with the key.") var metadata: String = "{}"
        @Option(
            name: .customLong("allow-ip"), help: "Only allow clients in this network (repeatable; CIDR or address).")
        var allowIPs: [String] = []
        @Option(name: .customLong("allow-origin"), help: "Only allow requests with this Origin (repeatable).")
        var allowOrigins: [String] = []
        @Option(help: "Key prefix, 2-24 chars of a-z 0-9 _ ending in _.") var prefix: String = APIKeyFormat
            .defaultPrefix
        @Option(help: "A plan whose limits the key uses (its own --limit/--quota/--credits override them).") var plan:
            String?
        @OptionGroup var limitOptions: LimitOptions
        @Flag(help: "Print JSON (with `id` and `key`).") var json = false

        func validate() throws {
            guard APIKeyFormat.isValidPrefix(self.prefix) else {
                throw ValidationError(
                    "--prefix \(self.prefix): use 2-24 characters of a-z, 0-9 and _, starting with a letter and ending in _"
                )
            }
            guard self.name.contains(where: { $0 != " " }) else { throw ValidationError("--name must not be empty") }
        }

        func run() throws {
            let now = Clock.nowSeconds()
            let new = NewKey(
                name: self.name, owner: self.owner, scopes: try KeyArguments.scopes(self.scopes),
                expiresAtSeconds: try self.expires.map { try KeyArguments.expiry($0, now: now) },
                metadataJSON: self.metadata, allowedNetworks: try KeyArguments.networks(self.allowIPs),
                allowedOrigins: try KeyArguments.origins(self.allowOrigins), prefix: self.prefix, plan: self.plan,
                rateLimits: try self.limitOptions.rateLimitPolicies, quotas: try self.limitOptions.quotaPolicies,
                credits: try self.limitOptions.creditPolicy)
            let keys = try self.store.openStore(create: true)
            let (record, secret) = try keys.create(new, now: now, actor: StoreOptions.actor)
            KeyArguments.print(record, secret: secret, json: self.json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (revoked ones with --all).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Include revoked keys.") var all = false
        @Flag(help: "Print a JSON array.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: false)
            let records = try keys.list(includeRevoked: self.all)
            if self.json {
                print(JSONValue.array(records.map { $0.json() }).text)
                return
            }
            let rows = records.map { (key: KeyRecord) -> [String] in
                let fields: [String] = [
                    key.id, key.name, key.displayPrefix + "…", key.status.rawValue,
                    key.scopes.isEmpty ? "-" : key.scopes.joined(separator: ","),
                    key.expiresAtSeconds.map(Timestamp.iso8601) ?? "never",
                    key.lastUsedAtSeconds.map(Timestamp.iso8601) ?? "never",
                ]
                return fields
            }
            print(table(["ID", "NAME", "PREFIX", "STATUS", "SCOPES", "EXPIRES", "LAST USED"], rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one key, its secrets' validity and recent audit.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (kid_…).") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: false)
            guard let record = try keys.find(id: self.id) else { throw CLIError("no key with id \(self.id)") }
            let secrets = try keys.secrets(id: self.id)
            let audit = try keys.auditLog(keyID: self.id, limit: 10)
            if self.json {
                guard case .object(var fields) = record.json() else { return }
                fields.append(
                    (
                        "secrets",
                        .array(
                            secrets.map {
                                .object([
                                    ("created_at", .time($0.createdAtSeconds)),
                                    ("retires_at", .time($0.retiresAtSeconds)),
                                ])
                            })
                    ))
                print(JSONValue.object(fields).text)
                return
            }
            print(record.humanDescription())
            print("\nsecrets:")
            for secret in secrets {
                let state =
                    secret.retiresAtSeconds.map { "valid until \(Timestamp.iso8601($0)) (rotated out)" } ?? "current"
                print("  created \(Timestamp.iso8601(secret.createdAtSeconds))  \(state)")
            }
            print("\naudit (newest first):")
            for entry in audit {
                print("  \(Timestamp.iso8601(entry.atSeconds))  \(entry.action)  by \(entry.actor)  \(entry.detail)")
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a key's name, owner, scopes, expiry, allowlists or status.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (kid_…).") var id: String
        @Option var name: String?
        @Option var owner: String?
        @Option(name: .customLong("scope"), help: "Replace the scopes with these (repeatable).") var scopes: [String] =
            []
        @Flag(name: .customLong("clear-scopes"), help: "Remove every scope.") var clearScopes = false
        @Option(help: "New expiry (90d, 2027-01-31).") var expires: String?
        @Flag(name: .customLong("no-expiry"), help: "Remove the expiry.") var noExpiry = false
        @Option(help: "Replace the metadata JSON object.") var metadata: String?
        @Option(name: .customLong("allow-ip"), help: "Replace the IP allowlist (repeatable).") var allowIPs: [String] =
            []
        @Flag(name: .customLong("clear-allowed-ips"), help: "Allow every client address.") var clearIPs = false
        @Option(name: .customLong("allow-origin"), help: "Replace the Origin allowlist (repeatable).") var allowOrigins:
            [String] = []
        @Flag(name: .customLong("clear-allowed-origins"), help: "Allow every origin.") var clearOrigins = false
        @Option(help: "Use this plan's limits.") var plan: String?
        @Flag(name: .customLong("no-plan"), help: "Stop using a plan.") var noPlan = false
        @OptionGroup var limitOptions: LimitOptions
        @Flag(name: .customLong("clear-limits"), help: "Remove the key's own rate limits.") var clearLimits = false
        @Flag(name: .customLong("clear-quotas"), help: "Remove the key's own quotas.") var clearQuotas = false
        @Flag(name: .customLong("no-credits"), help: "Remove the key's own credit balance.") var noCredits = false
        @Flag(help: "Refuse the key until enabled again.") var disable = false
        @Flag(help: "Re-enable a disabled key.") var enable = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if self.disable && self.enable { throw ValidationError("--disable and --enable contradict each other") }
            if self.expires != nil && self.noExpiry {
                throw ValidationError("--expires and --no-expiry contradict each other")
            }
            if !self.scopes.isEmpty && self.clearScopes {
                throw ValidationError("--scope and --clear-scopes contradict each other")
            }
        }

        func run() throws {
            let now = Clock.nowSeconds()
            var change = KeyUpdate()
            change.name = self.name
            change.owner = self.owner
            if !self.scopes.isEmpty { change.scopes = try KeyArguments.scopes(self.scopes) }
            if self.clearScopes { change.scopes = [] }
            if let expires = self.expires {
                change.expiresAtSeconds = .some(try KeyArguments.expiry(expires, now: now))
            }
            if self.noExpiry { change.expiresAtSeconds = .some(nil) }
            change.metadataJSON = self.metadata
            if !self.allowIPs.isEmpty { change.allowedNetworks = try KeyArguments.networks(self.allowIPs) }
            if self.clearIPs { change.allowedNetworks = [] }
            if !self.allowOrigins.isEmpty { change.allowedOrigins = try KeyArguments.origins(self.allowOrigins) }
            if self.clearOrigins { change.allowedOrigins = [] }
            if let plan = self.plan { change.plan = .some(plan) }
            if self.noPlan { change.plan = .some(nil) }
            if let limits = try self.limitOptions.rateLimitPolicies { change.rateLimits = limits }
            if self.clearLimits { change.rateLimits = [] }
            if let quotas = try self.limitOptions.quotaPolicies { change.quotas = quotas }
            if self.clearQuotas { change.quotas = [] }
            if let credits = try self.limitOptions.creditPolicy { change.credits = .some(credits) }
            if self.noCredits { change.credits = .some(nil) }
            if self.disable { change.status = .disabled }
            if self.enable { change.status = .active }
            let keys = try self.store.openStore(create: false)
            guard let record = try keys.update(id: self.id, change, now: now, actor: StoreOptions.actor) else {
                throw CLIError("no key with id \(self.id)")
            }
            KeyArguments.print(record, secret: nil, json: self.json)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key; every worker refuses it from the next request.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (kid_…).") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: false)
            guard let record = try keys.revoke(id: self.id, now: Clock.nowSeconds(), actor: StoreOptions.actor) else {
                throw CLIError("no key with id \(self.id)")
            }
            if self.json { print(record.json().text) } else { print("revoked \(record.id) (\(record.name))") }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new secret for a key; the old one stays valid for a grace period.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (kid_…).") var id: String
        @Option(help: "How long the old secret keeps working (0s to end it now).") var grace: String = "24h"
        @Flag(help: "Print JSON (with `id` and `key`).") var json = false

        func run() throws {
            let graceSeconds: Int64
            if self.grace == "0" || self.grace == "0s" {
                graceSeconds = 0
            } else {
                guard let seconds = DurationSpec.seconds(self.grace) else {
                    throw ValidationError("--grace \(self.grace): use a duration such as 0s, 30m, 24h or 7d")
                }
                graceSeconds = seconds
            }
            let keys = try self.store.openStore(create: false)
            guard
                let (record, secret) = try keys.rotate(
                    id: self.id, graceSeconds: graceSeconds, now: Clock.nowSeconds(), actor: StoreOptions.actor)
            else { throw CLIError("no key with id \(self.id)") }
            KeyArguments.print(record, secret: secret, json: self.json)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a key and its secrets for good (revoke keeps the record; prefer it).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (kid_…).") var id: String

        func run() throws {
            let keys = try self.store.openStore(create: false)
            guard try keys.delete(id: self.id, now: Clock.nowSeconds(), actor: StoreOptions.actor) else {
                throw CLIError("no key with id \(self.id)")
            }
            print("deleted \(self.id)")
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the audit log of admin actions, newest first.")
    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("key"), help: "Only this key id.") var keyID: String?
    @Option(help: "How many entries.") var limit: Int = 50
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let keys = try self.store.openStore(create: false)
        let entries = try keys.auditLog(keyID: self.keyID, limit: self.limit)
        if self.json {
            print(
                JSONValue.array(
                    entries.map { entry in
                        .object([
                            ("at", .time(entry.atSeconds)), ("actor", .string(entry.actor)),
                            ("action", .string(entry.action)),
                            ("key_id", entry.keyID.map { .string($0) } ?? .null), ("detail", .string(entry.detail)),
                        ])
                    }
                ).text)
            return
        }
        print(
            table(
                ["AT", "ACTOR", "ACTION", "KEY", "DETAIL"],
                entries.map {
                    [Timestamp.iso8601($0.atSeconds), $0.actor, $0.action, $0.keyID ?? "-", $0.detail]
                }))
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the database if needed and apply schema migrations.", aliases: ["init"])
    @OptionGroup var store: StoreOptions

    func run() throws {
        switch DatabaseLocation(self.store.path) {
        case .postgres(let url):
            _ = try PostgresKeyStore(url: url, create: true)
            print("\(url.redacted): schema version \(PostgresSchema.currentVersion)")
        default:
            _ = try self.store.openStore(create: true)
            print("\(self.store.path): schema version \(Migrations.currentVersion)")
        }
    }
}
