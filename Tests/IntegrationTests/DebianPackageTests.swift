import Foundation
import Glibc
import Testing

/// `ops/debian/build-deb.sh`: builds the .deb, installs it with dpkg on this machine, checks what it put where,
/// serves a real check through nginx with the installed snippets, then purges it and checks nothing is left.
///
/// Runs only as root on a machine where keygate is not installed (it would not clobber an installed keygate, a
/// /usr/bin/keygate of another origin, or an existing `keygate` user, which purge would remove).
@Suite(.serialized)
struct DebianPackageTests {
    static let blocker: String? = {
        if getuid() != 0 { return "not root: dpkg -i needs root" }
        for tool in ["/usr/bin/dpkg-deb", "/usr/bin/dpkg-shlibdeps", "/usr/bin/help2man", "/usr/sbin/nginx"]
        where !FileManager.default.fileExists(atPath: tool) {
            return "\(tool) is missing (run .ci/install-deps.sh)"
        }
        if FileManager.default.fileExists(atPath: "/usr/bin/keygate") {
            return "/usr/bin/keygate exists already: refusing to install the package over it"
        }
        if let status = try? Harness.run("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "keygate"]),
            status.stdout.contains("installed")
        {
            return "the keygate package is installed already (\(status.stdout)): refusing to touch it"
        }
        if getpwnam("keygate") != nil || getgrnam("keygate") != nil {
            return "a keygate user or group exists already: purging the package would remove it"
        }
        return nil
    }()

    @Test(.enabled(if: Self.blocker == nil, "\(Self.blocker ?? "")"), .timeLimit(.minutes(60)))
    func buildInstallServeThroughNginxAndPurge() throws {
        let scratch = try Scratch()
        let built = try Harness.run(
            Harness.repository + "/ops/debian/build-deb.sh", [scratch.file("out")], timeout: 3_000)
        try #require(built.status == 0, "build-deb.sh failed: \(built.stderr.suffix(3_000))")
        let deb = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let version = try Harness.keygate(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(deb == scratch.file("out") + "/keygate_\(version)_amd64.deb")

        let fields = try Harness.run("/usr/bin/dpkg-deb", ["-f", deb, "Package", "Version", "Architecture", "Depends"])
        #expect(fields.stdout.contains("Version: \(version)\n") && fields.stdout.contains("Architecture: amd64"))
        for library in ["libc6", "libsqlite3-0", "libssl3"] {
            #expect(fields.stdout.contains(library), "Depends lacks \(library): \(fields.stdout)")
        }
        #expect(!fields.stdout.contains("swift"), "\(fields.stdout)")
        let contents = try Harness.run("/usr/bin/dpkg-deb", ["-c", deb]).stdout
        for path in [
            "./usr/bin/keygate", "./etc/keygate/keygate.conf", "./lib/systemd/system/keygate.service",
            "./lib/systemd/system/keygate.socket", "./usr/share/keygate/nginx/keygate-http.conf",
            "./usr/share/keygate/apache/keygate-authnz-fcgi.conf", "./usr/share/keygate/caddy/Caddyfile",
            "./usr/share/keygate/lighttpd/keygate.conf", "./usr/share/keygate/prometheus/keygate-alerts.yml",
            "./usr/share/man/man1/keygate.1.gz", "./usr/share/doc/keygate/copyright",
            "./usr/share/doc/keygate/changelog.gz",
        ] {
            #expect(contents.contains(" \(path)\n"), "\(path) is not in the package")
        }
        if FileManager.default.fileExists(atPath: "/usr/bin/lintian") {
            let lintian = try Harness.run("/usr/bin/lintian", ["--tag-display-limit", "0", deb], timeout: 600)
            let findings = lintian.stdout.split(separator: "\n").filter { $0.hasPrefix("E:") || $0.hasPrefix("W:") }
            #expect(findings.isEmpty, "lintian: \(findings.joined(separator: "\n"))")
        }

        let installed = try Harness.run("/usr/bin/dpkg", ["-i", deb], timeout: 300)
        defer { Self.purge() }
        try #require(installed.status == 0, "dpkg -i failed: \(installed.stdout) \(installed.stderr)")
        try self.checkInstalled(version: version, scratch: scratch)
        try self.serveThroughNginx(scratch: scratch)

        let purged = try Harness.run("/usr/bin/dpkg", ["--purge", "keygate"], timeout: 300)
        #expect(purged.status == 0, "dpkg --purge failed: \(purged.stdout) \(purged.stderr)")
        for path in ["/usr/bin/keygate", "/etc/keygate", "/var/lib/keygate", "/lib/systemd/system/keygate.service"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) is left after purge")
        }
        #expect(getpwnam("keygate") == nil, "the keygate user is left after purge")
        #expect(getgrnam("keygate") == nil, "the keygate group is left after purge")
        #expect(try Harness.run("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "keygate"]).stdout.isEmpty)
    }

    /// What dpkg -i put in place: the binary (static Swift runtime), the user, the directories and the files.
    func checkInstalled(version: String, scratch: Scratch) throws {
        let reported = try Harness.run("/usr/bin/keygate", ["--version"])
        #expect(reported.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
        let libraries = try Harness.run("/usr/bin/ldd", ["/usr/bin/keygate"]).stdout
        #expect(!libraries.contains("swift") && !libraries.contains("not found"), "\(libraries)")
        #expect(libraries.contains("libsqlite3") && libraries.contains("libcrypto"), "\(libraries)")

        let user = try #require(getpwnam("keygate"), "postinst created no keygate user")
        #expect(String(cString: user.pointee.pw_dir) == "/var/lib/keygate")
        #expect(String(cString: user.pointee.pw_shell) == "/usr/sbin/nologin")
        #expect(user.pointee.pw_uid < 1000, "not a system user: uid \(user.pointee.pw_uid)")
        let group = try #require(getgrnam("keygate"), "postinst created no keygate group")
        var status = stat()
        #expect(stat("/var/lib/keygate", &status) == 0)
        #expect(status.st_uid == user.pointee.pw_uid && status.st_gid == group.pointee.gr_gid)
        #expect(status.st_mode & 0o7777 == 0o750)
        // postinst creates the empty database the packaged config names, owned by keygate, so the unit can start.
        #expect(stat("/var/lib/keygate/keys.db", &status) == 0 && status.st_uid == user.pointee.pw_uid)
        #expect(status.st_mode & 0o007 == 0, "keys.db is readable by others: \(String(status.st_mode, radix: 8))")
        let keys = try Harness.run(
            "/usr/sbin/runuser", ["-u", "keygate", "--", "/usr/bin/keygate", "keys", "list"],
            environment: ["KEYGATE_DB": "/var/lib/keygate/keys.db"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let check = try Harness.run("/usr/bin/keygate", ["config", "check", "/etc/keygate/keygate.conf"])
        #expect(check.status == 0 && check.stdout.contains("ok"), "\(check.stdout) \(check.stderr)")
        let conffiles = try String(contentsOfFile: "/var/lib/dpkg/info/keygate.conffiles", encoding: .utf8)
        #expect(conffiles.contains("/etc/keygate/keygate.conf"))
        let manual = try Harness.run("/bin/sh", ["-c", "zcat /usr/share/man/man1/keygate.1.gz"]).stdout
        #expect(manual.contains(".TH KEYGATE") && manual.contains("COMMAND: SERVE") && manual.contains("--listen"))

        // Running postinst again (as dpkg-reconfigure does) changes nothing and fails nothing.
        let again = try Harness.run("/var/lib/dpkg/info/keygate.postinst", ["configure", version])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(getpwnam("keygate")?.pointee.pw_uid == user.pointee.pw_uid)
    }

    /// The installed binary serves; nginx includes the installed snippets as shipped (the upstream's port is the
    /// only change: the packaged config's 127.0.0.1:9000 may be taken on a test machine).
    func serveThroughNginx(scratch: Scratch) throws {
        let db = scratch.file("keys.db")
        let created = try Harness.run(
            "/usr/bin/keygate", ["keys", "create", "--db", db, "--name", "packaged", "--json"])
        try #require(created.status == 0, "\(created.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let secret = try #require(object?["key"] as? String)
        let keyID = try #require(object?["id"] as? String)

        let keygatePort = Harness.freePort()
        let serve = try Harness.launch(
            "/usr/bin/keygate", ["serve", "--db", db, "--listen", "http://127.0.0.1:\(keygatePort)", "--workers", "1"],
            log: scratch.file("serve.log"))
        defer { Harness.stop(serve) }
        let log = { (try? String(contentsOfFile: scratch.file("serve.log"), encoding: .utf8)) ?? "" }
        try #require(Harness.eventually(timeout: 20) { log().contains("worker ready") }, "\(log())")

        let directory = scratch.file("nginx")
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let upstream = try String(
            contentsOfFile: "/usr/share/keygate/nginx/keygate-http-upstream.conf", encoding: .utf8)
        try #require(upstream.contains("server 127.0.0.1:9000;"))
        try upstream.replacingOccurrences(of: "server 127.0.0.1:9000;", with: "server 127.0.0.1:\(keygatePort);")
            .write(toFile: directory + "/keygate-http-upstream.conf", atomically: true, encoding: .utf8)
        let port = Harness.freePort()
        let apiPort = Harness.freePort()
        let conf = """
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            daemon on;
            events { worker_connections 64; }
            http {
                access_log \(directory)/logs/access.log;
                client_body_temp_path \(directory)/tmp-body;
                proxy_temp_path \(directory)/tmp-proxy;
                fastcgi_temp_path \(directory)/tmp-fastcgi;
                uwsgi_temp_path \(directory)/tmp-uwsgi;
                scgi_temp_path \(directory)/tmp-scgi;
                include \(directory)/keygate-http-upstream.conf;
                server {
                    listen 127.0.0.1:\(port);
                    include /usr/share/keygate/nginx/keygate-http.conf;
                    location /api/ {
                        include /usr/share/keygate/nginx/protect.conf;
                        proxy_pass http://127.0.0.1:\(apiPort);
                    }
                }
                server {
                    listen 127.0.0.1:\(apiPort);
                    location / { return 200 "api: key_id=$http_x_keygate_key_id key=$http_x_api_key\\n"; }
                }
            }
            """
        try conf.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let started = try Harness.run("/usr/sbin/nginx", ["-p", directory, "-c", directory + "/nginx.conf"])
        try #require(started.status == 0, "nginx failed to start: \(started.stderr)")
        let pidFile = directory + "/nginx.pid"
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                kill(pid, SIGQUIT)
                if !Harness.eventually(timeout: 10, { kill(pid, 0) != 0 }) { kill(pid, SIGKILL) }
            }
        }
        let allowed = try Curl.get("http://127.0.0.1:\(port)/api/things", headers: ["X-Api-Key": secret])
        #expect(allowed.status == 200, "\(allowed.body) \(log())")
        #expect(allowed.body == "api: key_id=\(keyID) key=\n")
        let refused = try Curl.get("http://127.0.0.1:\(port)/api/things")
        #expect(refused.status == 401)
        #expect(refused.header("WWW-Authenticate") != nil)
    }

    /// Removes the package and everything it made, whatever state the test left it in.
    static func purge() {
        _ = try? Harness.run("/usr/bin/dpkg", ["--purge", "keygate"], timeout: 300)
    }
}
