/// A configuration mistake, found at startup; the message says what to fix.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
