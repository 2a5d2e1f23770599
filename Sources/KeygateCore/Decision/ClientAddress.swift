/// Works out the client's address from `REMOTE_ADDR` and, behind trusted proxies only, `X-Forwarded-For`.
public enum ClientAddress {
    /// The client address, or `nil` when it cannot be known (then any IP allowlist fails closed).
    ///
    /// `X-Forwarded-For` is read right to left, skipping hops that are themselves trusted proxies; the first untrusted
    /// hop is the client. An unparsable hop stops the walk with `nil`, since anything left of it may be forged.
    public static func resolve(remoteAddress: String?, forwardedFor: String?, trustedProxies: [CIDR]) -> IPAddress? {
        guard let remoteText = remoteAddress, let remote = IPAddress(remoteText) else { return nil }
        guard !trustedProxies.isEmpty, trustedProxies.contains(where: { $0.contains(remote) }),
            let forwardedFor, !forwardedFor.isEmpty
        else { return remote }
        var client = remote
        for hop in forwardedFor.split(separator: ",").reversed() {
            let text = KeyExtraction.trimmingOWS(hop)
            guard let address = IPAddress(text) else { return nil }
            client = address
            if !trustedProxies.contains(where: { $0.contains(address) }) { return address }
        }
        return client
    }
}
