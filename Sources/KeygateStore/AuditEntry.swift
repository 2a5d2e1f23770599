/// One administrative action on the key store, as recorded in the `audit` table.
public struct AuditEntry: Sendable, Equatable {
    /// Increases with every entry; orders entries recorded in the same second.
    public var sequence: Int64
    public var atSeconds: Int64
    /// Who acted, as the caller reported it (`cli:root`).
    public var actor: String
    /// `create`, `update`, `revoke`, `rotate`, `delete`, or for plans (with no key) `plan-create`, `plan-update`
    /// and `plan-delete`; kept as text so that older builds read newer logs.
    public var action: String
    /// The key acted on; kept after the key is deleted.
    public var keyID: String?
    /// What changed, for humans. Never contains a secret.
    public var detail: String

    public init(sequence: Int64, atSeconds: Int64, actor: String, action: String, keyID: String?, detail: String) {
        self.sequence = sequence
        self.atSeconds = atSeconds
        self.actor = actor
        self.action = action
        self.keyID = keyID
        self.detail = detail
    }
}
