import KeygateCore

/// Where `keygate serve` accepts connections, and which wire protocol it speaks there.
public enum ListenAddress: Equatable, Sendable, CustomStringConvertible {
    /// A unix socket path keygate creates (`unix:/run/keygate/keygate.sock`).
    case unix(path: String)
    /// A TCP address (`127.0.0.1:9000`, `[::1]:9000`).
    case tcp(host: IPAddress, port: UInt16)
    /// A listening socket inherited on this descriptor (`fd:0` for spawn-fcgi and mod_fcgid).
    case inherited(fd: Int32)
    /// Sockets passed by systemd socket activation (`LISTEN_FDS`, from descriptor 3): all of them, or those whose
    /// `LISTEN_FDNAMES` entry (the socket unit's `FileDescriptorName=`) is `name`.
    case systemd(name: String?)

    /// Parses `unix:PATH`, `HOST:PORT`, `[V6]:PORT`, `localhost:PORT`, `fd:N`, `systemd` or `systemd:NAME`.
    public static func parse(_ text: String) -> Result<ListenAddress, ConfigurationError> {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") || path.hasPrefix(".") || !path.isEmpty else {
                return .failure(
                    ConfigurationError("--listen \(text): give a socket path, e.g. unix:/run/keygate/keygate.sock"))
            }
            guard path.utf8.count < 108 else {
                return .failure(
                    ConfigurationError("--listen \(text): unix socket paths must be shorter than 108 bytes"))
            }
            return .success(.unix(path: path))
        }
        if text == "systemd" { return .success(.systemd(name: nil)) }
        if text.hasPrefix("systemd:") {
            let name = String(text.dropFirst("systemd:".count))
            guard !name.isEmpty, !name.contains(":"), name.utf8.count <= 255 else {
                return .failure(
                    ConfigurationError(
                        "--listen \(text): expected systemd:NAME, NAME a FileDescriptorName= of the socket"))
            }
            return .success(.systemd(name: name))
        }
        if text.hasPrefix("fd:") {
            guard let fd = Int32(text.dropFirst(3)), fd >= 0 else {
                return .failure(ConfigurationError("--listen \(text): expected fd:N with N a descriptor number"))
            }
            return .success(.inherited(fd: fd))
        }
        guard let colon = text.lastIndex(of: ":") else {
            return .failure(
                ConfigurationError(
                    "--listen \(text): expected unix:PATH, HOST:PORT (e.g. 127.0.0.1:9000), fd:0 or systemd"))
        }
        var hostText = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = UInt16(portText), port > 0 else {
            return .failure(ConfigurationError("--listen \(text): the port must be 1-65535"))
        }
        if hostText.hasPrefix("[") && hostText.hasSuffix("]") { hostText = String(hostText.dropFirst().dropLast()) }
        if hostText == "localhost" { hostText = "127.0.0.1" }
        guard let host = IPAddress(hostText) else {
            return .failure(ConfigurationError("--listen \(text): '\(hostText)' is not an IP address"))
        }
        return .success(.tcp(host: host, port: port))
    }

    /// True for addresses reachable only from this machine (unix sockets, 127.0.0.0/8, ::1, inherited sockets).
    public var isLocalOnly: Bool {
        switch self {
        case .unix, .inherited, .systemd: return true
        case .tcp(let host, _):
            if host.isIPv4 { return CIDR("127.0.0.0/8")!.contains(host) }
            return host == IPAddress("::1")!
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix:\(path)"
        case .tcp(let host, let port): return host.isIPv4 ? "\(host):\(port)" : "[\(host)]:\(port)"
        case .inherited(let fd): return "fd:\(fd)"
        case .systemd(let name): return name.map { "systemd:\($0)" } ?? "systemd"
        }
    }
}

/// The wire protocol spoken on a listener.
public enum WireProtocol: Equatable, Sendable {
    /// FastCGI (nginx `fastcgi_pass`, Apache mod_fcgid and mod_authnz_fcgi).
    case fastCGI
    /// HTTP/1.1 forward auth, kept alive, in the given front end's style.
    case http(ForwardAuthStyle)
}

/// One `--listen` value: an address and the protocol spoken there.
public struct ListenerSpec: Equatable, Sendable, CustomStringConvertible {
    public var address: ListenAddress
    public var wire: WireProtocol

    public init(address: ListenAddress, wire: WireProtocol = .fastCGI) {
        self.address = address
        self.wire = wire
    }

    /// Parses a FastCGI address (see ``ListenAddress/parse(_:)``), or an HTTP one: `http://HOST:PORT`,
    /// `http+unix:PATH` or `http+systemd[:NAME]` (socket activation), optionally followed by
    /// `?for=nginx|caddy|traefik|envoy&allow=204|200&client-ip=…`.
    public static func parse(_ text: String) -> Result<ListenerSpec, ConfigurationError> {
        let rest: Substring
        let unix: Bool
        if text.hasPrefix("http+systemd") {
            return Self.parseActivated(text)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
            unix = false
        } else if text.hasPrefix("http+unix:") {
            rest = text.dropFirst("http+unix:".count)
            unix = true
        } else if text.hasPrefix("https://") {
            return .failure(
                ConfigurationError(
                    "--listen \(text): keygate speaks plain HTTP on loopback or a unix socket; use http://127.0.0.1:PORT"
                ))
        } else {
            return ListenAddress.parse(text).map { ListenerSpec(address: $0) }
        }
        let query = rest.firstIndex(of: "?").map { rest[rest.index(after: $0)...] } ?? ""
        let location = String(rest.prefix { $0 != "?" })
        let style: ForwardAuthStyle
        switch ForwardAuthStyle.parse(query) {
        case .success(let parsed): style = parsed
        case .failure(let error): return .failure(ConfigurationError("--listen \(text): \(error.description)"))
        }
        if !unix && location.contains("/") {
            return .failure(ConfigurationError("--listen \(text): give no path after the port (http://127.0.0.1:9000)"))
        }
        let address: ListenAddress
        switch ListenAddress.parse(unix ? "unix:" + location : location) {
        case .success(let parsed): address = parsed
        case .failure(let error):
            // Name what the user typed, not the inner address.
            let inner = "--listen \(unix ? "unix:" : "")\(location)"
            let detail =
                error.description.hasPrefix(inner)
                ? String(error.description.dropFirst(inner.count)) : ": " + error.description
            return .failure(ConfigurationError("--listen \(text)" + detail))
        }
        switch address {
        case .tcp, .unix: break
        case .inherited, .systemd:
            return .failure(
                ConfigurationError("--listen \(text): HTTP listens on http://HOST:PORT, http+unix:PATH or http+systemd")
            )
        }
        return .success(ListenerSpec(address: address, wire: .http(style)))
    }

    /// Parses `http+systemd`, `http+systemd:NAME`, each optionally followed by `?` and listener options.
    static func parseActivated(_ text: String) -> Result<ListenerSpec, ConfigurationError> {
        let rest = text.dropFirst("http+".count)
        let location = String(rest.prefix { $0 != "?" })
        let query = rest.dropFirst(location.count).dropFirst()
        guard location == "systemd" || location.hasPrefix("systemd:"),
            case .success(let address) = ListenAddress.parse(location)
        else {
            return .failure(
                ConfigurationError("--listen \(text): expected http+systemd or http+systemd:NAME, then ?options"))
        }
        switch ForwardAuthStyle.parse(query) {
        case .success(let style): return .success(ListenerSpec(address: address, wire: .http(style)))
        case .failure(let error): return .failure(ConfigurationError("--listen \(text): \(error.description)"))
        }
    }

    public var description: String {
        switch self.wire {
        case .fastCGI: return self.address.description
        case .http(let style):
            if case .unix(let path) = self.address { return "http+unix:\(path)?\(style)" }
            if case .systemd = self.address { return "http+\(self.address)?\(style)" }
            return "http://\(self.address)?\(style)"
        }
    }
}
