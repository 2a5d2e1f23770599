import KeygateCore

/// How a row of the `keys` table maps to a ``KeyRecord`` and back.
///
/// Lists (scopes, networks, origins) are stored as space-separated text. Reading never traps on what it finds,
/// and damaged data fails closed: an unknown status reads as `revoked`, and an allowlist entry that no longer parses
/// becomes ``unmatchableNetwork`` rather than disappearing, because an allowlist that loses all its entries would
/// read as "any network". Limit specs that do not parse or do not fit a counter record (``KeygateCore/PolicyWords``),
/// or a plan that is named but missing, give the key ``KeygateCore/PolicySet/invalidLimitSpec``, which admits nothing.
package enum KeyRow {
    /// The `keys` columns, qualified with the alias `k`, then its plan's (alias `p`), in the order
    /// ``record(from:)`` reads them. Select them ``from`` ``source``.
    package static let columns = """
        k.id, k.slot, k.display_prefix, k.name, k.owner, k.scopes, k.status, k.created_at, k.expires_at, \
        k.last_used_at, k.metadata, k.allowed_cidrs, k.allowed_origins, \
        k.plan, k.rate_limits, k.quotas, k.credits, k.credit_refill, \
        p.name, p.rate_limits, p.quotas, p.credits, p.credit_refill
        """
    /// How many columns ``columns`` lists; a query may select more after them.
    package static let columnCount: Int32 = 23
    /// The tables ``columns`` come from: each key with its plan, if any.
    package static let source = "keys AS k LEFT JOIN plans AS p ON p.name = k.plan"

    /// Stands in for a stored network that does not parse: `::/128`, the unspecified address, which RFC 4291
    /// §2.5.2 forbids as a source address, so no client matches it.
    package static let unmatchableNetwork = CIDR("::/128")!

    /// The key in the current row of `statement`, whose first columns are ``columns``.
    package static func record<Row: RowReading & ~Copyable>(from statement: borrowing Row) -> KeyRecord {
        KeyRecord(
            id: statement.text(at: 0),
            slot: Int(clamping: statement.int64(at: 1)),
            displayPrefix: statement.text(at: 2),
            name: statement.text(at: 3),
            owner: statement.text(at: 4),
            scopes: Self.words(statement.text(at: 5)),
            status: KeyStatus(rawValue: statement.text(at: 6)) ?? .revoked,
            createdAtSeconds: statement.int64(at: 7),
            expiresAtSeconds: statement.optionalInt64(at: 8),
            lastUsedAtSeconds: statement.optionalInt64(at: 9),
            metadataJSON: statement.text(at: 10),
            allowedNetworks: Self.networks(statement.text(at: 11)),
            allowedOrigins: Self.origins(statement.text(at: 12)),
            plan: statement.optionalText(at: 13),
            policies: Self.policies(from: statement))
    }

    /// The effective policies of the current row: columns 13-22 of ``columns``.
    package static func policies<Row: RowReading & ~Copyable>(from statement: borrowing Row) -> PolicySet {
        let policies: PolicySet
        do {
            let own = try Self.policies(from: statement, at: 14)
            if statement.isNull(at: 13) {
                policies = own
            } else {
                guard !statement.isNull(at: 18) else { return .invalidLimitSpec }  // the named plan is gone
                policies = try Self.policies(from: statement, at: 19).overridden(by: own)
            }
        } catch {
            return .invalidLimitSpec
        }
        // Specs that parse but would share a counter word (two limits per minute: never written by keygate) fail
        // closed too: the counters take only policies that fit a record.
        guard case .success = PolicyWords.assigning(policies) else { return .invalidLimitSpec }
        return policies
    }

    /// The policies stored in the four columns `rate_limits, quotas, credits, credit_refill` from `first` on.
    package static func policies<Row: RowReading & ~Copyable>(
        from statement: borrowing Row, at first: Int32
    ) throws(LimitSpecError) -> PolicySet {
        PolicySet(
            rateLimits: try PolicySpecText.rateLimits(statement.text(at: first)),
            quotas: try PolicySpecText.quotas(statement.text(at: first + 1)),
            credits: try PolicySpecText.credits(
                initial: statement.optionalInt64(at: first + 2), refill: statement.optionalText(at: first + 3)))
    }

    /// `words` joined with single spaces; the words are validated to contain no whitespace.
    package static func joined(_ words: [String]) -> String {
        words.joined(separator: " ")
    }

    /// `networks` in CIDR notation, joined with single spaces.
    package static func joined(_ networks: [CIDR]) -> String {
        networks.map(\.description).joined(separator: " ")
    }

    /// The space-separated words of `text`.
    package static func words(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    /// The stored networks, each unparsable entry replaced by ``unmatchableNetwork``.
    package static func networks(_ text: String) -> [CIDR] {
        text.split(separator: " ").map { CIDR($0) ?? Self.unmatchableNetwork }
    }

    /// The stored origins; text holding only spaces (never written by keygate) keeps one unmatchable entry.
    package static func origins(_ text: String) -> [String] {
        let origins = Self.words(text)
        return origins.isEmpty && !text.isEmpty ? [text] : origins
    }
}
