import Foundation
import Glibc
import Testing

/// `--listen http+systemd` and `systemd:NAME`: sockets passed by systemd socket activation, told apart by
/// LISTEN_FDNAMES, each answering its own protocol; and LISTEN_PID honoured.
struct SocketActivationTests {
    let scratch: Scratch
    let db: String

    init() throws {
        self.scratch = try Scratch()
        self.db = self.scratch.file("keys.db")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-socket-activate")))
    func namedActivatedSocketsSpeakHTTPAndFastCGI() throws {
        let key = try Harness.createKey(db: self.db)
        let port = Harness.freePort()
        let fastCGIPath = self.scratch.file("fastcgi.sock")
        let log = self.scratch.file("activated.log")
        // The HTTP socket is passed first (fd 3, "http"), the FastCGI one second (fd 4, "fastcgi").
        let process = try Harness.launch(
            "/usr/bin/systemd-socket-activate",
            [
                "-l", "127.0.0.1:\(port)", "-l", fastCGIPath, "--fdname=http:fastcgi", Harness.keygate, "serve",
                "--db", self.db, "--listen", "systemd:fastcgi", "--listen", "http+systemd:http", "--workers", "1",
            ], log: log)
        defer { Harness.stop(process) }
        #expect(Harness.eventually { FileManager.default.fileExists(atPath: fastCGIPath) })
        // systemd-socket-activate starts keygate on the first connection; curl's connection waits in the backlog.
        var status = 0
        for _ in 0..<20 where status == 0 {
            status = try Curl.checkStatus(port: port, key: key.secret)
            if status == 0 { usleep(100_000) }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 204, "\(text)")
        #expect(try Curl.checkStatus(port: port, key: nil) == 401)
        // The FastCGI socket answers FastCGI.
        let socket = try FastCGISocket(path: fastCGIPath)
        socket.send(FastCGISocket.request(FastCGISocket.nginxParams(headers: [("HTTP_X_API_KEY", key.secret)])))
        guard case .response(_, let stdout, _, _, _)? = try socket.answers().first else {
            Issue.record("no FastCGI answer over the activated socket: \(text)")
            return
        }
        #expect(String(decoding: stdout, as: UTF8.self).contains("Status: 204"))
    }

    @Test func socketsMeantForAnotherProcessAreRefused() throws {
        _ = try Harness.createKey(db: self.db)
        let result = try Harness.run(
            Harness.keygate, ["serve", "--db", self.db, "--listen", "http+systemd", "--workers", "1"],
            environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--listen systemd: no sockets were passed"), "\(result.stderr)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-socket-activate")))
    func anUnknownNameIsRefusedNamingThePassedOnes() throws {
        _ = try Harness.createKey(db: self.db)
        let path = self.scratch.file("web.sock")
        let log = self.scratch.file("refused.log")
        let process = try Harness.launch(
            "/usr/bin/systemd-socket-activate",
            [
                "-l", path, "--fdname=web", Harness.keygate, "serve", "--db", self.db, "--listen", "http+systemd:api",
                "--workers", "1",
            ], log: log)
        defer { Harness.stop(process) }
        #expect(Harness.eventually { FileManager.default.fileExists(atPath: path) })
        _ = try? FastCGISocket(path: path)  // the first connection starts keygate
        #expect(Harness.eventually(timeout: 15) { !process.isRunning })
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus != 0)
        #expect(
            text.contains("--listen systemd:api: systemd passed no socket named api (LISTEN_FDNAMES: web)"), "\(text)")
    }
}
