import KeygateCore
import KeygateCrypto
import KeygateServer
import KeygateStore

/// Keys in a dictionary, for a ``Gate`` built without files: tests change them the way another process changes the
/// SQLite store, and say when the change becomes visible (``signal(keyID:)``), as a commit does.
final class InMemoryKeySource: KeySource {
    private let hasher: SHA256Hasher
    private var matches: [KeyDigest: SecretMatch] = [:]
    /// Keys changed since the gate last asked.
    private var signalled: Set<String> = []
    /// How many times the gate looked a digest up (a cached hit asks nothing).
    private(set) var findCalls = 0
    /// How many times the gate asked what changed.
    private(set) var changeCalls = 0

    init() throws {
        self.hasher = try SHA256Hasher()
    }

    /// No cheap commit detector: the gate asks ``changes(nowMillis:backstop:)`` on every decision.
    var commitWatch: WALChangeWatch? { nil }

    /// Stores `key` under `secret` (before the gate first sees it: nothing is signalled).
    func add(_ key: KeyRecord, secret: String) {
        self.matches[self.hasher.digest(secret)] = SecretMatch(key: key)
    }

    /// Replaces the stored record of `key.id` with `key`, silently: cached copies stay until ``signal(keyID:)``.
    func update(_ key: KeyRecord) {
        for (digest, match) in self.matches where match.key.id == key.id {
            self.matches[digest] = SecretMatch(key: key, secretRetiresAtSeconds: match.secretRetiresAtSeconds)
        }
    }

    /// Reports `keyID` as changed at the gate's next question.
    func signal(keyID: String) {
        self.signalled.insert(keyID)
    }

    func find(digest: KeyDigest) throws -> SecretMatch? {
        self.findCalls += 1
        return self.matches[digest]
    }

    func changes(nowMillis: Int64, backstop: Bool) throws -> KeySourceChanges {
        self.changeCalls += 1
        guard !self.signalled.isEmpty else { return .none }
        defer { self.signalled = [] }
        return .keys(ids: self.signalled, digests: [])
    }
}
