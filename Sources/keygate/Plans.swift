import ArgumentParser
import KeygateCore
import KeygatePostgres
import KeygateStore
import KeygateSystem

struct Plans: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Named limit sets that keys use (`keys update ID --plan NAME`) and may override.",
        subcommands: [Create.self, Update.self, List.self, Delete.self])

    static func show(_ plan: Plan, json: Bool) {
        if json {
            Swift.print(JSONValue.object([("name", .string(plan.name)), ("policies", plan.policies.json)]).text)
        } else {
            Swift.print("\(plan.name): \(plan.policies.summary)")
        }
    }
}

extension Plans {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a plan, e.g. `plans create free --limit 60/min --quota 10000/day`.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Plan name: 1-64 characters of a-z 0-9 _ -.") var name: String
        @OptionGroup var limitOptions: LimitOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: true)
            let plan = try keys.createPlan(
                name: self.name, rateLimits: try self.limitOptions.rateLimitPolicies ?? [],
                quotas: try self.limitOptions.quotaPolicies ?? [], credits: try self.limitOptions.creditPolicy,
                now: Clock.nowSeconds(), actor: StoreOptions.actor)
            Plans.show(plan, json: self.json)
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a plan's limits; keys using it follow at once.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String
        @OptionGroup var limitOptions: LimitOptions
        @Flag(name: .customLong("no-credits"), help: "Remove the plan's credit balance.") var noCredits = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let keys = try self.store.openStore(create: false)
            let credits: CreditPolicy?? =
                self.noCredits ? .some(nil) : try self.limitOptions.creditPolicy.map { .some($0) }
            guard
                let plan = try keys.updatePlan(
                    name: self.name, rateLimits: try self.limitOptions.rateLimitPolicies,
                    quotas: try self.limitOptions.quotaPolicies, credits: credits, now: Clock.nowSeconds(),
                    actor: StoreOptions.actor)
            else { throw CLIError("no plan named \(self.name)") }
            Plans.show(plan, json: self.json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() throws {
            let plans = try self.store.openStore(create: false).plans()
            if self.json {
                print(
                    JSONValue.array(
                        plans.map { .object([("name", .string($0.name)), ("policies", $0.policies.json)]) }
                    ).text)
            } else {
                print(table(["NAME", "LIMITS"], plans.map { [$0.name, $0.policies.summary] }))
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a plan no key uses.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() throws {
            guard
                try self.store.openStore(create: false).deletePlan(
                    name: self.name, now: Clock.nowSeconds(), actor: StoreOptions.actor)
            else { throw CLIError("no plan named \(self.name)") }
            print("deleted plan \(self.name)")
        }
    }
}

struct Usage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Requests a key made, per UTC day (admitted and rejected by its limits; rolled up every 10 s).",
        discussion:
            "Against PostgreSQL, the totals over every host that sends its usage there (serve --keys-from).")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The key id (kid_…).") var id: String
    @Option(help: "First day to show (YYYY-MM-DD).") var since: String?
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Against PostgreSQL: one row per day and host (HOST - for counts written by the CLI).")
    var byHost = false

    func run() throws {
        if let since = self.since, Timestamp.parse(since) == nil || since.count != 10 {
            throw ValidationError("--since \(since): use a date such as 2026-11-01")
        }
        let keys = try self.store.openStore(create: false)
        guard try keys.find(id: self.id) != nil else { throw CLIError("no key with id \(self.id)") }
        if self.byHost {
            guard let shared = keys as? PostgresKeyStore else {
                throw CLIError("--by-host: an SQLite --db holds one host's counts; use it with a postgresql:// --db")
            }
            self.print(byHost: try shared.usageByHost(keyID: self.id, sinceDay: self.since))
            return
        }
        let days = try keys.usage(keyID: self.id, sinceDay: self.since)
        if self.json {
            Swift.print(JSONValue.array(days.map { .object(Self.fields($0)) }).text)
        } else {
            Swift.print(
                table(["DAY", "ADMITTED", "REJECTED"], days.map { [$0.day, "\($0.admitted)", "\($0.rejected)"] }))
        }
    }

    /// The `--by-host` output: a JSON array with `host` (null for counts not from a host), or a table.
    private func print(byHost rows: [HostUsageDay]) {
        if self.json {
            Swift.print(
                JSONValue.array(
                    rows.map { row in
                        .object(
                            [("day", .string(row.usage.day)), ("host", row.host.map { .string($0) } ?? .null)]
                                + Self.fields(row.usage).dropFirst())
                    }
                ).text)
        } else {
            Swift.print(
                table(
                    ["DAY", "HOST", "ADMITTED", "REJECTED"],
                    rows.map { [$0.usage.day, $0.host ?? "-", "\($0.usage.admitted)", "\($0.usage.rejected)"] }))
        }
    }

    /// One day's JSON fields, as printed since the first release.
    private static func fields(_ day: UsageDay) -> [(String, JSONValue)] {
        [("day", .string(day.day)), ("admitted", .int(day.admitted)), ("rejected", .int(day.rejected))]
    }
}
