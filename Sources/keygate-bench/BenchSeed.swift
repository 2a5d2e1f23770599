import ArgumentParser
import Glibc
import KeygateCore
import KeygateServer
import KeygateStore
import KeygateSystem
import KeygateZone

/// Creates many keys in one transaction and writes their secrets one per line, for `bench/memory` (100k keys
/// driven through nginx to measure worker memory).
struct BenchSeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-seed", abstract: "Create many keys at once (used by bench/memory).", shouldDisplay: false)

    @Option(help: "SQLite key database (created if missing; its folder must exist).") var db: String
    @Option(help: "How many keys to create.") var keys: Int = 100_000
    @Option(help: "File that receives the secrets, one per line.") var out: String
    @Option(name: .customLong("scope"), help: "A scope every key grants (repeatable).") var scopes: [String] = []
    @Option(name: .customLong("limit"), help: "A rate limit every key gets, as `keys create` takes it (repeatable).")
    var limits: [String] = []
    @Option(name: .customLong("quota"), help: "A calendar quota every key gets (repeatable).") var quotas: [String] = []
    @Option(help: "A credit balance every key gets.") var credits: String?
    @Option(help: "Refill the credits to their amount: N/day, N/month or N/month@DAY.") var refill: String?

    func validate() throws {
        guard (1...10_000_000).contains(self.keys) else { throw ValidationError("--keys must be 1-10000000") }
    }

    func run() throws {
        let template = NewKey(
            name: "bench-seed", owner: "bench", scopes: self.scopes,
            rateLimits: self.limits.isEmpty ? nil : try self.limits.map { try RateLimitPolicy.parse($0) },
            quotas: self.quotas.isEmpty ? nil : try self.quotas.map { try QuotaPolicy.parse($0) },
            credits: try self.credits.map { try CreditPolicy.parse(initial: $0, refill: self.refill) })
        let secrets = try KeyStore(path: self.db, create: true).createMany(
            Array(repeating: template, count: self.keys), now: Clock.nowSeconds(), actor: "bench-seed")
        guard let file = fopen(self.out, "w") else {
            throw SystemCallError(call: "fopen", errno: .current, detail: self.out)
        }
        defer { fclose(file) }
        for secret in secrets { fputs(secret + "\n", file) }
        guard fflush(file) == 0 else { throw SystemCallError(call: "fflush", errno: .current, detail: self.out) }
    }
}
