import ArgumentParser

/// The benchmark and stress commands, built apart from the production `keygate` binary.
@main
struct KeygateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygate-bench",
        abstract: "Benchmark and stress commands for keygate's own tests and bench scripts (not installed).",
        discussion: """
            bench-decide: time the in-process decision path (bench/run). bench-seed: create many keys at once \
            (bench/memory). counters-hammer: stress one counters slot (the counters tests).
            """,
        subcommands: [BenchDecide.self, BenchSeed.self, CountersHammer.self])
}
