/// When one of a key's secrets was created and when it stops working; never the secret or its digest.
public struct SecretInfo: Sendable, Equatable {
    public var createdAtSeconds: Int64
    /// `nil` for the current secret; for a rotated-out one, the end of its grace period.
    public var retiresAtSeconds: Int64?

    public init(createdAtSeconds: Int64, retiresAtSeconds: Int64?) {
        self.createdAtSeconds = createdAtSeconds
        self.retiresAtSeconds = retiresAtSeconds
    }

    /// True for the secret issued by the latest create or rotate.
    public var isCurrent: Bool { self.retiresAtSeconds == nil }
}
