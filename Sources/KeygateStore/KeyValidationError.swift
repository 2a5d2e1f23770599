/// An administrator's request that keygate refuses: bad input, or an action the key's state does not allow.
///
/// Describes itself as `field: reason` (`name: must not be empty`), ready for the CLI to print.
public struct KeyValidationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The input or property at fault: `name`, `prefix`, `metadata`, `status`, …
    public let field: String
    /// What is wrong and, where it helps, what is allowed. Never contains a secret.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(self.field): \(self.reason)" }
}
