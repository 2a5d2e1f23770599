import KeygateCore
import KeygateStore

/// Where a ``Gate`` finds keys by the digest of a presented secret, and learns which keys changed since it last asked.
///
/// The SQLite key store (``StoreKeySource``) in production, an in-memory fake in tests. The gate calls a source only
/// on a cache miss, when ``commitWatch`` saw a commit (or there is none) and once a second: never on a cached hit, so
/// the existential call stays off the hot path. Not thread-safe: one per gate.
public protocol KeySource: AnyObject {
    /// The key whose secret (current or rotated out) has SHA-256 `digest`, or `nil` if none does.
    ///
    /// Revoked, disabled and expired keys come back as they are: judging them is ``KeygateCore/Decider``'s job.
    func find(digest: KeyDigest) throws -> SecretMatch?

    /// What changed since the previous call (or since the source was made); `backstop` is true at the gate's
    /// once-a-second check, when a source may also look for a replaced file. A thrown error fails the request closed.
    func changes(nowMillis: Int64, backstop: Bool) throws -> KeySourceChanges

    /// A cheap commit detector the gate polls on every decision, calling ``changes(nowMillis:backstop:)`` only when it
    /// fires; `nil` makes the gate call `changes` on every decision. Read again after each `changes` call.
    var commitWatch: WALChangeWatch? { get }
}

/// What a ``KeySource`` reports as changed: which cached entries a ``Gate`` must drop.
public enum KeySourceChanges: Equatable, Sendable {
    /// Nothing that affects keys (keygate's own bookkeeping commits, or no commit at all).
    case none
    /// These keys and these secrets' digests changed (a digest may turn a cached "unknown" into a key).
    case keys(ids: Set<String>, digests: [KeyDigest])
    /// Anything may have changed: every cached entry is dropped.
    case everything
    /// The source now reads another file (a restore by `mv`): every cached entry is dropped.
    case reopened
}
