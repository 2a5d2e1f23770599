import ArgumentParser
import Glibc
import KeygateCore
import KeygateStore
import KeygateSystem

/// Creates many keys in one transaction and writes their secrets one per line, for `bench/memory` (100k keys
/// driven through nginx to measure worker memory).
struct BenchSeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-seed", abstract: "Create many keys at once (used by bench/memory).", shouldDisplay: false)

    @OptionGroup var store: StoreOptions
    @Option(help: "How many keys to create.") var keys: Int = 100_000
    @Option(help: "File that receives the secrets, one per line.") var out: String
    @Option(name: .customLong("scope"), help: "A scope every key grants (repeatable).") var scopes: [String] = []
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...10_000_000).contains(self.keys) else { throw ValidationError("--keys must be 1-10000000") }
    }

    func run() throws {
        let template = NewKey(
            name: "bench-seed", owner: "bench", scopes: self.scopes, rateLimits: try self.limitOptions.rateLimitPolicies,
            quotas: try self.limitOptions.quotaPolicies, credits: try self.limitOptions.creditPolicy)
        let secrets = try KeyStore(path: try self.store.creatingPath(), create: true).createMany(
            Array(repeating: template, count: self.keys), now: Clock.nowSeconds(), actor: StoreOptions.actor)
        guard let file = fopen(self.out, "w") else { throw CLIError("cannot write \(self.out): errno \(errno)") }
        defer { fclose(file) }
        for secret in secrets { fputs(secret + "\n", file) }
        guard fflush(file) == 0 else { throw CLIError("cannot write \(self.out): errno \(errno)") }
    }
}
