import Foundation
import Glibc

/// A real nginx (Debian's) started by a test with the shipped keygate files, on a loopback port; stopped by PID.
final class NginxServer {
    let scratch: Scratch
    let port: UInt16
    let upstreamPort: UInt16
    let directory: String

    /// Writes the shipped `nginx/example-nginx.conf`, `keygate.conf` and `protect.conf` (pointed at `socketPath`)
    /// into a directory of its own and starts nginx there. With `httpUpstream` (`127.0.0.1:PORT` or `unix:PATH`),
    /// the example's HTTP fast path (`keygate-http.conf`) is used as shipped; otherwise FastCGI (`keygate.conf`).
    init(
        scratch: Scratch, socketPath: String = "", name: String = "nginx", extraServerConfig: String = "",
        httpUpstream: String? = nil
    ) throws {
        self.scratch = scratch
        self.directory = scratch.file(name)
        try FileManager.default.createDirectory(atPath: self.directory + "/logs", withIntermediateDirectories: true)
        self.port = Harness.freePort()
        self.upstreamPort = Harness.freePort()
        let repo = Harness.repository + "/nginx/"
        let keygateConf = try String(contentsOfFile: repo + "keygate.conf", encoding: .utf8)
            .replacingOccurrences(of: "unix:/run/keygate/keygate.sock", with: "unix:" + socketPath)
        try keygateConf.write(toFile: self.directory + "/keygate.conf", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: repo + "protect.conf", toPath: self.directory + "/protect.conf")
        try FileManager.default.copyItem(
            atPath: repo + "keygate-http.conf", toPath: self.directory + "/keygate-http.conf")
        let upstream = try String(contentsOfFile: repo + "keygate-http-upstream.conf", encoding: .utf8)
            .replacingOccurrences(of: "server 127.0.0.1:9000;", with: "server \(httpUpstream ?? "127.0.0.1:9");")
        try upstream.write(toFile: self.directory + "/keygate-http-upstream.conf", atomically: true, encoding: .utf8)
        var conf = try String(contentsOfFile: repo + "example-nginx.conf", encoding: .utf8)
            .replacingOccurrences(of: "@DIR@", with: self.directory)
            .replacingOccurrences(of: "@UPSTREAM_PORT@", with: "\(self.upstreamPort)")
            .replacingOccurrences(of: "@PORT@", with: "\(self.port)")
        let include = "include \(self.directory)/keygate-http.conf;"
        guard conf.contains(include) else {
            throw HarnessError("example-nginx.conf no longer includes keygate-http.conf")
        }
        let chosen = httpUpstream == nil ? "include \(self.directory)/keygate.conf;" : include
        conf = conf.replacingOccurrences(of: include, with: chosen + "\n" + extraServerConfig)
        try conf.write(toFile: self.directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let result = try Harness.run("/usr/sbin/nginx", ["-p", self.directory, "-c", self.directory + "/nginx.conf"])
        guard result.status == 0 else { throw HarnessError("nginx failed to start: \(result.stderr)") }
        guard Harness.eventually({ self.pid != nil }) else { throw HarnessError("nginx wrote no pid file") }
    }

    var pid: pid_t? {
        guard let text = try? String(contentsOfFile: self.directory + "/nginx.pid", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    var errorLog: String { (try? String(contentsOfFile: self.directory + "/logs/error.log", encoding: .utf8)) ?? "" }

    func url(_ path: String) -> String { "http://127.0.0.1:\(self.port)\(path)" }

    func stop() {
        guard let pid = self.pid else { return }
        kill(pid, SIGQUIT)
        _ = Harness.eventually(timeout: 10) { kill(pid, 0) != 0 }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: self.directory + "/nginx.pid")
    }

    deinit {
        self.stop()
    }
}

/// An HTTP response as curl saw it.
struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    func headers(_ name: String) -> [String] {
        self.headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
    }
}

enum Curl {
    /// `curl -sS -i` with the given headers; parses status, headers and body.
    static func get(_ url: String, headers: [String: String] = [:], method: String = "GET") throws -> HTTPResponse {
        var arguments = ["-sS", "-i", "--max-time", "10", "-X", method]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        arguments.append(url)
        let result = try Harness.run("/usr/bin/curl", arguments)
        guard result.status == 0 else { throw HarnessError("curl \(url) failed: \(result.stderr)") }
        return try Self.parse(result.stdout)
    }

    static func parse(_ raw: String) throws -> HTTPResponse {
        guard let split = raw.range(of: "\r\n\r\n") else { throw HarnessError("no header/body split in: \(raw)") }
        let head = raw[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HarnessError("bad status line \(head[0])")
        }
        let headers = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPResponse(status: status, headers: headers, body: String(raw[split.upperBound...]))
    }
}
