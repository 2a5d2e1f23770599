/// One permission of an admin key: `resource:action` (`keys:create`), where either part may be `*` (`keys:*`,
/// `*:read`), or `*` alone for everything.
///
/// Pure: parsing refuses what names no resource or no action of it, so a typo in `--grant` fails when the admin key is
/// made, not later as a puzzling 403.
public struct AdminGrant: Sendable, Hashable, CustomStringConvertible {
    /// Every resource, with the actions it has.
    public static let actions: [(resource: String, actions: [String])] = [
        ("keys", ["create", "read", "update", "rotate", "revoke", "delete", "verify"]),
        ("plans", ["create", "read", "update", "delete"]),
        ("usage", ["read"]),
        ("audit", ["read"]),
        ("admin-keys", ["create", "read", "revoke"]),
        ("metrics", ["read"]),
    ]

    /// A resource of ``actions``, or `*`.
    public let resource: String
    /// An action of the resource, or `*`.
    public let action: String

    /// The grant `text` names, or `nil` when it names no resource or no action of it.
    public init?(_ text: String) {
        if text == "*" {
            (self.resource, self.action) = ("*", "*")
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let (resource, action) = (String(parts[0]), String(parts[1]))
        if resource == "*" {
            guard action == "*" || Self.actions.contains(where: { $0.actions.contains(action) }) else { return nil }
        } else {
            guard let known = Self.actions.first(where: { $0.resource == resource }) else { return nil }
            guard action == "*" || known.actions.contains(action) else { return nil }
        }
        (self.resource, self.action) = (resource, action)
    }

    /// Whether this grant permits `action` on `resource`.
    public func allows(_ resource: String, _ action: String) -> Bool {
        (self.resource == "*" || self.resource == resource) && (self.action == "*" || self.action == action)
    }

    public var description: String {
        self.resource == "*" && self.action == "*" ? "*" : "\(self.resource):\(self.action)"
    }

    /// What `--grant` accepts, for error messages.
    public static var help: String {
        "`*`, or `resource:action` with either part `*`; resources and actions: "
            + Self.actions.map { "\($0.resource) (\($0.actions.joined(separator: ", ")))" }.joined(separator: "; ")
    }
}

extension Array where Element == AdminGrant {
    /// Whether any grant permits `action` on `resource`.
    public func allow(_ resource: String, _ action: String) -> Bool {
        self.contains { $0.allows(resource, action) }
    }
}
