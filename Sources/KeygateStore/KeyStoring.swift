public import KeygateCore

/// What the command line writes and reads keys, plans, audit and usage through: the SQLite ``KeyStore``, or a
/// PostgreSQL store shared by several hosts.
///
/// Both behave the same, argument for argument: refused input throws ``KeyValidationError``, unknown ids give `nil`
/// or `false`, every change is audited in its own transaction, and secrets are returned only by `create` and
/// `rotate`. Database failures throw the implementation's error, which names the call and never a secret.
public protocol KeyStoring: AnyObject {
    /// Creates a key in the smallest free slot and returns it with its secret, which is never shown again.
    func create(_ new: NewKey, now: Int64, actor: String) throws -> (record: KeyRecord, secret: String)
    /// Every key in creation order; revoked keys only if `includeRevoked`.
    func list(includeRevoked: Bool) throws -> [KeyRecord]
    /// One page of keys in creation order, filtered and cut in the database (``KeyListPage``).
    func list(_ page: KeyListPage) throws -> [KeyRecord]
    /// The key with identifier `id`, or `nil`.
    func find(id: String) throws -> KeyRecord?
    /// When each secret of key `id` was created and retires, current first.
    func secrets(id: String) throws -> [SecretInfo]
    /// Applies `change` to key `id` and returns the key as stored; `nil` for an unknown id.
    func update(id: String, _ change: KeyUpdate, now: Int64, actor: String) throws -> KeyRecord?
    /// ``update(id:_:now:actor:)``, first calling `precondition` with the key as it is inside the transaction; an
    /// error it throws refuses the change.
    func update(
        id: String, _ change: KeyUpdate, now: Int64, actor: String, precondition: (KeyRecord) throws -> Void
    ) throws -> KeyRecord?
    /// Revokes key `id` for good and returns it; `nil` for an unknown id.
    func revoke(id: String, now: Int64, actor: String) throws -> KeyRecord?
    /// Gives key `id` a new current secret, the previous one retiring after `graceSeconds`; `nil` for an unknown id.
    func rotate(id: String, graceSeconds: Int64, now: Int64, actor: String) throws -> (
        record: KeyRecord, secret: String
    )?
    /// Deletes key `id` and its secrets, freeing its slot; `false` for an unknown id.
    func delete(id: String, now: Int64, actor: String) throws -> Bool
    /// The newest `limit` audit entries, newest first, for key `keyID` or for all keys when `nil`.
    func auditLog(keyID: String?, limit: Int) throws -> [AuditEntry]
    /// Creates plan `name` and returns it as stored.
    func createPlan(
        name: String, rateLimits: [RateLimitPolicy], quotas: [QuotaPolicy], credits: CreditPolicy?, now: Int64,
        actor: String
    ) throws -> Plan
    /// Changes plan `name` (`nil` keeps a property) and returns it as stored; `nil` for an unknown name.
    func updatePlan(
        name: String, rateLimits: [RateLimitPolicy]?, quotas: [QuotaPolicy]?, credits: CreditPolicy??, now: Int64,
        actor: String
    ) throws -> Plan?
    /// Every plan, by name.
    func plans() throws -> [Plan]
    /// Deletes plan `name`, which no key may use; `false` for an unknown name.
    func deletePlan(name: String, now: Int64, actor: String) throws -> Bool
    /// Adds request counts per key and day (the usage roll-up); counts already there grow.
    func addUsage(_ rows: [(keyID: String, day: String, admitted: Int64, rejected: Int64)]) throws
    /// Key `keyID`'s counts per day, oldest first, from `sinceDay` (`YYYY-MM-DD`, inclusive) or all when `nil`.
    func usage(keyID: String, sinceDay: String?) throws -> [UsageDay]
    /// Creates an admin key with `grants` and returns it with its secret, which is never shown again.
    func createAdminKey(name: String, grants: [AdminGrant], now: Int64, actor: String) throws -> (
        key: AdminKey, secret: String
    )
    /// Every admin key, oldest first.
    func adminKeys() throws -> [AdminKey]
    /// The admin key whose secret has digest `digest` (revoked or not), or `nil`.
    func adminKey(digest: KeyDigest) throws -> AdminKey?
    /// Revokes admin key `id` for good and returns it; `nil` for an unknown id.
    func revokeAdminKey(id: String, now: Int64, actor: String) throws -> AdminKey?
    /// What `idempotencyKey` of admin key `adminKeyID` made, or `nil`.
    func idempotencyRecord(adminKeyID: String, idempotencyKey: String) throws -> AdminIdempotencyRecord?
    /// Remembers what `idempotencyKey` of admin key `adminKeyID` made, dropping records older than `retainSeconds`.
    func recordIdempotency(
        adminKeyID: String, idempotencyKey: String, _ record: AdminIdempotencyRecord, retainSeconds: Int64) throws
}

extension KeyStore: KeyStoring {
    public func update(
        id: String, _ change: KeyUpdate, now: Int64, actor: String, precondition: (KeyRecord) throws -> Void
    ) throws -> KeyRecord? {
        try self.updatingKey(id: id, change, now: now, actor: actor, precondition: precondition)
    }

    public func createAdminKey(name: String, grants: [AdminGrant], now: Int64, actor: String) throws -> (
        key: AdminKey, secret: String
    ) {
        try self.creatingAdminKey(name: name, grants: grants, now: now, actor: actor)
    }

    public func adminKeys() throws -> [AdminKey] { try self.listingAdminKeys() }

    public func adminKey(digest: KeyDigest) throws -> AdminKey? { try self.findingAdminKey(digest: digest) }

    public func revokeAdminKey(id: String, now: Int64, actor: String) throws -> AdminKey? {
        try self.revokingAdminKey(id: id, now: now, actor: actor)
    }

    public func idempotencyRecord(adminKeyID: String, idempotencyKey: String) throws -> AdminIdempotencyRecord? {
        try self.findingIdempotency(adminKeyID: adminKeyID, idempotencyKey: idempotencyKey)
    }

    public func recordIdempotency(
        adminKeyID: String, idempotencyKey: String, _ record: AdminIdempotencyRecord, retainSeconds: Int64
    ) throws {
        try self.recordingIdempotency(
            adminKeyID: adminKeyID, idempotencyKey: idempotencyKey, record, retainSeconds: retainSeconds)
    }
}
