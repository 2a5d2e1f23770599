/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address means a single host.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    /// Prefix length in bits of the 128-bit form (IPv4 prefixes are stored +96).
    public let prefixBits: Int

    /// Parses `address[/prefix]`; `nil` if the address or prefix is malformed or host bits are set.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maxBits = address.isIPv4 ? 32 : 128
        var bits = maxBits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(parts[1]), value <= maxBits
            else { return nil }
            bits = value
        }
        self.prefixBits = address.isIPv4 ? bits + 96 : bits
        let masked = Self.masking(address, bits: self.prefixBits)
        // "10.0.0.1/8" is almost always a typo for a host or for 10.0.0.0/8: refuse it rather than guess.
        guard masked == address else { return nil }
        self.network = masked
    }

    public func contains(_ address: IPAddress) -> Bool {
        Self.masking(address, bits: self.prefixBits) == self.network
    }

    public var description: String {
        if self.network.isIPv4 { return "\(self.network)/\(self.prefixBits - 96)" }
        return "\(self.network)/\(self.prefixBits)"
    }

    static func masking(_ address: IPAddress, bits: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? ~0 : ~(~UInt64(0) >> UInt64(bits)) }
        return IPAddress(high: address.high & mask(bits), low: address.low & mask(bits - 64))
    }
}
