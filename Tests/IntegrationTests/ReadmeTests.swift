import Foundation
import Glibc
import Testing

/// The README stays true: its configuration snippets come from the shipped files, and its quick start works as written.
@Suite(.serialized)
final class ReadmeTests {
    let readme: [String]

    init() throws {
        self.readme = try String(contentsOfFile: Harness.repository + "/README.md", encoding: .utf8)
            .components(separatedBy: "\n")
    }

    /// The fenced block that starts after line `index` (skipping blank lines): its language and lines.
    func fence(after index: Int) -> (language: String, lines: [String])? {
        var start = index + 1
        while start < self.readme.count && self.readme[start].trimmingCharacters(in: .whitespaces).isEmpty {
            start += 1
        }
        guard start < self.readme.count, self.readme[start].hasPrefix("```") else { return nil }
        let language = String(self.readme[start].dropFirst(3))
        guard let end = self.readme[(start + 1)...].firstIndex(where: { $0.hasPrefix("```") }) else { return nil }
        return (language, Array(self.readme[(start + 1)..<end]))
    }

    /// A configuration line without comments (Apache allows none after a directive) and with whitespace collapsed.
    static func normalized(_ line: String, language: String) -> String? {
        var text = line
        if language != "apache", let comment = text.range(of: #"\s#"#, options: .regularExpression) {
            text = String(text[..<comment.lowerBound])
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first, !first.hasPrefix("#") else { return nil }
        return words.joined(separator: " ")
    }

    /// A shipped line as a pattern: `@NAME@` placeholders (filled in by the demo and tests) match any word.
    static func pattern(_ line: String) throws -> NSRegularExpression {
        let marked = line.replacingOccurrences(of: "@[A-Z_]+@", with: "\u{1}", options: .regularExpression)
        let escaped = NSRegularExpression.escapedPattern(for: marked)
        let pattern = escaped.replacingOccurrences(of: "\u{1}", with: #"[^\s;]+"#)
        return try NSRegularExpression(pattern: "^" + pattern + "$")
    }

    @Test func everyMarkedSnippetIsTakenFromItsShippedFileInOrder() throws {
        var checked: [String] = []
        for (index, line) in self.readme.enumerated() {
            guard let match = line.firstMatch(of: /^<!-- from (\S+) -->$/) else { continue }
            let file = String(match.1)
            let snippet = try #require(self.fence(after: index), "no fenced block after the marker for \(file)")
            let shipped = try String(contentsOfFile: Harness.repository + "/" + file, encoding: .utf8)
                .components(separatedBy: "\n").compactMap { Self.normalized($0, language: snippet.language) }
                .map { try Self.pattern($0) }
            var next = 0
            for snippetLine in snippet.lines.compactMap({ Self.normalized($0, language: snippet.language) }) {
                let range = NSRange(snippetLine.startIndex..., in: snippetLine)
                let found = shipped[next...].firstIndex { $0.firstMatch(in: snippetLine, range: range) != nil }
                #expect(found != nil, "README snippet line not in \(file) (in this order): \(snippetLine)")
                next = (found ?? next - 1) + 1
            }
            checked.append(file)
        }
        let shippedFiles: Set = ["nginx/example-nginx.conf", "apache/keygate-fcgid.conf", "caddy/Caddyfile"]
        #expect(Set(checked).isSuperset(of: shippedFiles))
    }

    @Test func theApacheSnippetStripsEveryIdentityVariable() throws {
        let text = self.readme.joined(separator: "\n")
        for name in ["KEYGATE_KEY_ID", "KEYGATE_KEY_NAME", "KEYGATE_OWNER", "KEYGATE_SCOPES"] {
            #expect(text.contains("Header always unset Variable-\(name)\n"), "\(name)")
        }
    }

    /// Splits a shell line into words: double quotes group, `#` after a space starts a comment.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current: String?
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
                current = current ?? ""
            } else if !quoted && (character == " " || character == "\t") {
                if let word = current { words.append(word) }
                current = nil
            } else if !quoted && character == "#" && current == nil {
                break
            } else {
                current = (current ?? "") + String(character)
            }
        }
        if let word = current { words.append(word) }
        return words
    }

    @Test func theQuickStartWorksVerbatimOnAFreshMachine() throws {
        let heading = try #require(self.readme.firstIndex(of: "## Quick start"))
        let block = try #require(self.fence(after: heading))
        #expect(block.language == "sh")
        let commands = block.lines.map(Self.words).filter { !$0.isEmpty }
        #expect(commands.count == 2)
        let scratch = try Scratch()
        let root = scratch.file("fresh/var/lib/keygate/")  // does not exist yet: keys create must make it
        let port = Harness.freePort()
        func rewritten(_ words: [String]) throws -> [String] {
            try #require(words.first == "keygate")
            return words.dropFirst().map {
                $0.replacingOccurrences(of: "/var/lib/keygate/", with: root)
                    .replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(port)")
            }
        }
        let create = try rewritten(try #require(commands.first { $0.dropFirst().first == "keys" }))
        #expect(!FileManager.default.fileExists(atPath: root))
        let created = try Harness.keygate(create)
        #expect(created.status == 0, "\(created.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let secret = try #require(object?["key"] as? String)
        #expect(secret.hasPrefix("kg_"))
        var folder = stat()
        #expect(stat(root, &folder) == 0 && folder.st_mode & 0o777 == 0o750)

        let serve = try rewritten(try #require(commands.first { $0.dropFirst().first == "serve" }))
        let logPath = scratch.file("serve.log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.keygate)
        process.arguments = serve
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            if !Harness.eventually(timeout: 15, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        func status(_ key: String?) -> String? {
            var lines = [
                "GET /_keygate HTTP/1.1", "Host: keygate", "X-Original-URI: /api/reports",
                "X-Original-Method: GET", "Connection: close",
            ]
            if let key { lines.append("Authorization: Bearer \(key)") }
            guard let socket = try? RawSocket(port: port) else { return nil }
            socket.send(Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8))
            return String(decoding: socket.receive { _ in false }, as: UTF8.self).components(separatedBy: "\r\n").first
        }
        let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
        #expect(Harness.eventually { status(nil) != nil }, "serve did not start: \(log())")
        #expect(status(secret) == "HTTP/1.1 204 No Content")
        #expect(status(nil) == "HTTP/1.1 401 Unauthorized")
    }
}
