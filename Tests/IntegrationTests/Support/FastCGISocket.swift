import Foundation
import Glibc
import KeygateCore
import KeygateTesting

/// A raw client connection to keygate (unix socket or loopback TCP), for speaking (and abusing) a protocol directly.
class RawSocket {
    let fd: Int32

    init(path: String) throws {
        self.fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try self.connected(result, "\(path)")
    }

    init(port: UInt16) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try self.connected(result, "127.0.0.1:\(port)")
    }

    private func connected(_ result: Int32, _ label: String) throws {
        guard result == 0 else {
            let code = errno
            close(self.fd)
            throw HarnessError("connect \(label): errno \(code)")
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(self.fd)
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(self.fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Receives until `done` says the bytes so far are enough, the peer closed, or the receive timeout hit.
    func receive(until done: ([UInt8]) -> Bool) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !done(received) {
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// True once the server has closed this connection (EOF within `timeout` seconds).
    func isClosedByPeer(timeout: Int = 5) -> Bool {
        var timeoutValue = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeoutValue, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = recv(self.fd, &buffer, buffer.count, 0)
            if received == 0 { return true }
            if received < 0 { return errno == ECONNRESET }
        }
    }
}

/// A raw FastCGI client connection to keygate's unix socket.
final class FastCGISocket: RawSocket {
    /// Reads and decodes until `count` answers arrived, the peer closed, or the receive timeout hit.
    func answers(count: Int = 1) throws -> [FastCGIAnswer] {
        var decoder = FastCGIClientDecoder()
        var answers: [FastCGIAnswer] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while answers.count < count {
            let received = recv(self.fd, &buffer, buffer.count, 0)
            if received <= 0 { break }
            answers += try decoder.consume(Array(buffer[0..<received]))
        }
        return answers
    }

    /// One complete request: BEGIN_REQUEST, PARAMS, empty STDIN.
    static func request(id: UInt16 = 1, role: UInt16 = 1, keep: Bool = false, _ params: [(String, String)]) -> [UInt8] {
        FastCGIClientEncoder.request(id: id, role: role, keepConnection: keep, params)
    }

    /// Params like nginx's stock fastcgi_params for a GET of `uri`.
    static func nginxParams(uri: String = "/api/x", headers: [(String, String)] = [], scope: String? = nil) -> [(
        String, String
    )] {
        var params: [(String, String)] = [
            ("QUERY_STRING", ""), ("REQUEST_METHOD", "GET"), ("CONTENT_TYPE", ""), ("CONTENT_LENGTH", ""),
            ("SCRIPT_NAME", "/_keygate"), ("REQUEST_URI", uri), ("DOCUMENT_URI", "/_keygate"),
            ("DOCUMENT_ROOT", "/srv"),
            ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", "http"), ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "nginx/1.22.1"), ("REMOTE_ADDR", "127.0.0.1"), ("REMOTE_PORT", "40000"),
            ("SERVER_ADDR", "127.0.0.1"), ("SERVER_PORT", "8080"), ("SERVER_NAME", "localhost"),
            ("REDIRECT_STATUS", "200"),
            ("HTTP_HOST", "localhost:8080"), ("HTTP_USER_AGENT", "test"),
        ]
        params += headers
        if let scope { params.append(("KEYGATE_SCOPE", scope)) }
        return params
    }
}

extension KeygateServer {
    /// One nginx-style FastCGI request over the unix socket, answered and parsed.
    func ask(_ headers: [(String, String)], uri: String = "/api/x", scope: String? = nil) throws -> CGIResponse {
        let socket = try FastCGISocket(path: self.socketPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(uri: uri, headers: headers, scope: scope)))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first,
            let response = CGIResponse(parsing: stdout)
        else { throw HarnessError("no FastCGI response from \(self.socketPath)") }
        return response
    }
}
