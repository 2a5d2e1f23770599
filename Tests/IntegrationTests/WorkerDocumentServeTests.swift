import Foundation
import Glibc
import Testing

/// `keygate serve --worker`, as the supervisor starts it: a worker handed a configuration it cannot read refuses to
/// start, loudly and with EX_CONFIG, instead of serving with a part of it dropped.
struct WorkerDocumentServeTests {
    @Test(arguments: [
        ("keygate-worker-configuration 1\nrealm=api\ncolour=blue\n", "unknown field `colour`"),
        ("keygate-worker-configuration 2\n", "not `keygate-worker-configuration 1`"),
        ("keygate-worker-configuration 1\nrealm=api\n", "is missing"),
    ])
    func aWorkerHandedABadConfigurationExitsNamingTheField(document: String, mentions: String) throws {
        let result = try Harness.run(
            Harness.keygate, ["serve", "--worker"], environment: ["KEYGATE_WORKER_CONFIGURATION": document], timeout: 20
        )
        #expect(result.status == 78)
        #expect(result.stderr.contains("worker refuses its configuration"), "\(result.stderr)")
        #expect(result.stderr.contains(mentions), "\(result.stderr)")
    }

    @Test func aWorkerStartedByHandWithoutAConfigurationExits() throws {
        let result = try Harness.run(Harness.keygate, ["serve", "--worker"], timeout: 20)
        #expect(result.status == 78)
        #expect(result.stderr.contains("no worker configuration in the environment"), "\(result.stderr)")
    }
}
