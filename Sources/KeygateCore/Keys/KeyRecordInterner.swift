/// A bounded set of canonical copies of the parts many keys share (their policies and scopes), so that the records
/// a worker caches for keys with the same limits and scopes hold one heap copy of each instead of one per key.
///
/// Every record read from the store comes with its own arrays and strings: three limits and a scope are seven heap
/// blocks per key, about half of what a cached key costs. ``intern(_:)`` swaps them for the first equal copy it
/// kept. It keeps at most ``capacity`` distinct values of each kind and never evicts one; past that, a value it does
/// not hold stays the record's own (keys with their own limits each cost what they did). Equal values are
/// interchangeable, so interning changes no record's meaning. Not thread-safe: one per key lookup.
public struct KeyRecordInterner {
    /// The most distinct values of each kind kept.
    public let capacity: Int
    private var policies: Set<PolicySet> = []
    private var scopes: Set<[String]> = []

    /// An interner that keeps at most `capacity` distinct policy sets and `capacity` distinct scope lists.
    public init(capacity: Int = 256) {
        precondition(capacity >= 0, "a negative interner capacity")
        self.capacity = capacity
    }

    /// The number of distinct policy sets kept.
    public var policySetCount: Int { self.policies.count }

    /// The number of distinct scope lists kept.
    public var scopeListCount: Int { self.scopes.count }

    /// Replaces `record`'s policies and scopes by the kept copies equal to them, keeping them first if there is room.
    public mutating func intern(_ record: inout KeyRecord) {
        if !record.policies.isEmpty, let kept = Self.kept(record.policies, in: &self.policies, self.capacity) {
            record.policies = kept
        }
        if !record.scopes.isEmpty, let kept = Self.kept(record.scopes, in: &self.scopes, self.capacity) {
            record.scopes = kept
        }
    }

    /// The copy of `value` in `set`, inserting `value` itself while `set` holds fewer than `capacity`; `nil` when
    /// `set` is full and holds no equal value.
    private static func kept<Value: Hashable>(_ value: Value, in set: inout Set<Value>, _ capacity: Int) -> Value? {
        if let index = set.firstIndex(of: value) { return set[index] }
        guard set.count < capacity else { return nil }
        set.insert(value)
        return value
    }
}
