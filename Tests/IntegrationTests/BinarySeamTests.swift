import Foundation
import Testing

/// The production binary carries no benchmark command and no test-only code; `keygate-bench` carries the commands.
struct BinarySeamTests {
    @Test(arguments: ["bench-decide", "bench-seed", "counters-hammer"])
    func benchCommandsLiveOnlyInKeygateBench(command: String) throws {
        let production = try Harness.keygate([command])
        #expect(production.status == 64)
        #expect(production.stderr.contains("Unexpected argument '\(command)'"))
        let bench = try Harness.keygateBench([command, "--help"])
        #expect(bench.status == 0)
        #expect(bench.stdout.contains("USAGE: keygate-bench \(command)"))
    }

    @Test func keygateLinksNoTestingOrBenchCode() throws {
        let production = try #require(FileManager.default.contents(atPath: Harness.keygate))
        // Every Swift symbol of a module carries the module's name, and a command's symbols its type's name.
        for name in ["KeygateTesting", "FastCGIClientEncoder", "BenchDecide", "BenchSeed", "CountersHammer"] {
            #expect(production.range(of: Data(name.utf8)) == nil, "\(name) is linked into keygate")
        }
        let bench = try #require(FileManager.default.contents(atPath: Harness.keygateBench))
        #expect(bench.range(of: Data("FastCGIClientEncoder".utf8)) != nil)
    }
}
