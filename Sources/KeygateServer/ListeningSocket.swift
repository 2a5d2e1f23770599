import CKeygateLinux
import Glibc
import KeygateCore
import KeygateSystem
import KeygateZone

/// A listening socket, opened by keygate or inherited, shared by every worker process.
public struct ListeningSocket: Sendable {
    public var fd: CInt
    public var address: ListenAddress
    /// The unix socket path keygate created and must remove at shutdown.
    public var createdPath: String?
    /// The protocol spoken on connections accepted here.
    public var wire: WireProtocol

    public init(fd: CInt, address: ListenAddress, createdPath: String?, wire: WireProtocol = .fastCGI) {
        self.fd = fd
        self.address = address
        self.createdPath = createdPath
        self.wire = wire
    }

    /// Opens the sockets for `spec`, each speaking its protocol.
    public static func open(_ spec: ListenerSpec, unixMode: mode_t, backlog: CInt = 1024) throws -> [ListeningSocket] {
        try Self.open(spec.address, unixMode: unixMode, backlog: backlog).map {
            var socket = $0
            socket.wire = spec.wire
            return socket
        }
    }

    /// How a supervisor names this socket to a worker it spawns: `3` for FastCGI, `3?for=nginx&…` for HTTP.
    public var workerToken: String {
        switch self.wire {
        case .fastCGI: return "\(self.fd)"
        case .http(let style): return "\(self.fd)?\(style)"
        }
    }

    /// Reads a ``workerToken``; `nil` if it is not one.
    public static func fromWorkerToken(_ token: Substring) -> ListeningSocket? {
        let fdText = token.prefix { $0 != "?" }
        guard let fd = CInt(fdText), fd >= 0 else { return nil }
        var wire = WireProtocol.fastCGI
        if fdText.count < token.count {
            guard case .success(let style) = ForwardAuthStyle.parse(token.dropFirst(fdText.count + 1)) else {
                return nil
            }
            wire = .http(style)
        }
        return ListeningSocket(fd: fd, address: .inherited(fd: fd), createdPath: nil, wire: wire)
    }

    /// Opens the sockets for `address` (several for systemd), nonblocking, with `unixMode` for unix socket files.
    public static func open(_ address: ListenAddress, unixMode: mode_t, backlog: CInt = 1024) throws
        -> [ListeningSocket]
    {
        switch address {
        case .unix(let path):
            return [try Self.openUnix(path: path, mode: unixMode, backlog: backlog)]
        case .tcp(let host, let port):
            return [try Self.openTCP(host: host, port: port, backlog: backlog, label: address.description)]
        case .inherited(let fd):
            guard Self.isListeningSocket(fd) else {
                throw ConfigurationError(
                    "--listen fd:\(fd): descriptor \(fd) is not a listening socket (start keygate from spawn-fcgi or "
                        + "mod_fcgid, or use --listen unix:PATH)")
            }
            try Self.setNonBlocking(fd)
            return [ListeningSocket(fd: fd, address: address, createdPath: nil)]
        case .systemd(let name):
            guard let activation = SystemdActivation.passed else {
                throw ConfigurationError(
                    "--listen \(address): no sockets were passed (LISTEN_PID/LISTEN_FDS unset or not for this "
                        + "process); start keygate from a systemd .socket unit")
            }
            let fds = activation.descriptors(named: name)
            guard !fds.isEmpty else {
                let names = Set(activation.sockets.map(\.name)).sorted().joined(separator: ", ")
                throw ConfigurationError(
                    "--listen \(address): systemd passed no socket named \(name ?? "") (LISTEN_FDNAMES: \(names))")
            }
            return try fds.map { fd in
                guard Self.isListeningSocket(fd) else {
                    throw ConfigurationError(
                        "--listen \(address): descriptor \(fd) from LISTEN_FDS is not a listening socket")
                }
                try Self.setNonBlocking(fd)
                return ListeningSocket(fd: fd, address: .inherited(fd: fd), createdPath: nil)
            }
        }
    }

    /// True when `fd` is a socket in the listening state (FastCGI §2.2: the web server passed us fd 0).
    public static func isListeningSocket(_ fd: CInt) -> Bool {
        var status = stat()
        guard fstat(fd, &status) == 0, CKeygateLinux_is_socket_mode(status.st_mode) != 0 else { return false }
        var accepting: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 else { return false }
        return accepting != 0
    }

    static func setNonBlocking(_ fd: CInt) throws {
        let flags = try syscall("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        _ = try syscall("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func openUnix(path: String, mode: mode_t, backlog: CInt) throws -> ListeningSocket {
        var address = sockaddr_un()
        guard CKeygateLinux_sockaddr_un(&address, path) == 0 else {
            throw ConfigurationError("--listen unix:\(path): the path is too long for a unix socket")
        }
        var status = stat()
        if lstat(path, &status) == 0 {
            guard CKeygateLinux_is_socket_mode(status.st_mode) != 0 else {
                throw ConfigurationError(
                    "--listen unix:\(path): the path exists and is not a socket; refusing to replace it")
            }
            // A socket file is left over from a previous run unless something still accepts on it.
            let probe = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            close(probe)
            if connected == 0 {
                throw ConfigurationError("--listen unix:\(path): another process is already serving this socket")
            }
            unlink(path)
        } else {
            let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            var directoryStatus = stat()
            if !directory.isEmpty, stat(directory, &directoryStatus) != 0 {
                throw ConfigurationError(
                    "--listen unix:\(path): directory \(directory) does not exist; create it first")
            }
        }
        let fd = try syscall("socket(AF_UNIX)") {
            socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        }
        // Bind under a tight umask so the socket is never briefly more open than `mode`.
        let previousMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindErrno = Errno.current
        umask(previousMask)
        guard bound == 0 else {
            close(fd)
            throw SystemCallError(call: "bind", errno: bindErrno, detail: "unix:\(path)")
        }
        do {
            _ = try syscall("chmod", detail: path) { chmod(path, mode) }
            _ = try syscall("listen", detail: "unix:\(path)") { listen(fd, backlog) }
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        return ListeningSocket(fd: fd, address: .unix(path: path), createdPath: path)
    }

    static func openTCP(host: IPAddress, port: UInt16, backlog: CInt, label: String) throws -> ListeningSocket {
        let family = host.isIPv4 ? AF_INET : AF_INET6
        let fd = try syscall("socket") {
            socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        }
        var one: CInt = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound: CInt
        if host.isIPv4 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(truncatingIfNeeded: host.low).bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
                for index in 0..<16 {
                    let word = index < 8 ? host.high : host.low
                    raw[index] = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
                }
            }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        if bound != 0 {
            let code = Errno.current
            close(fd)
            throw SystemCallError(call: "bind", errno: code, detail: label)
        }
        do {
            _ = try syscall("listen", detail: label) { listen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return ListeningSocket(fd: fd, address: .tcp(host: host, port: port), createdPath: nil)
    }
}
