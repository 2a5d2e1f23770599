import KeygateCore
import KeygateTesting
import Testing

/// Shared fixtures for the HTTP suites: real front-end heads, a driver for ``HTTPConnection`` and byte helpers.
enum HTTPTesting {
    typealias Generator = SeededRandom

    /// A head from its lines: each line CRLF-terminated, then the empty line.
    static func head(_ lines: [String]) -> [UInt8] {
        Array((lines.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
    }

    /// nginx 1.22 `auth_request` with `proxy_pass_request_headers off` and the doc's `proxy_set_header` lines.
    static let nginxLines = [
        "GET /_keygate HTTP/1.1",
        "X-Original-URI: /api/thing?x=1&y=%20z",
        "X-Original-Method: POST",
        "X-Forwarded-For: 127.0.0.1",
        "Authorization: Bearer kg_AbC123secretsecretsecret",
        "X-Api-Key: kg_AbC123secretsecretsecret",
        "Host: keygate",
    ]

    /// Caddy 2.6 `forward_auth`: original query appended, client headers, X-Forwarded-*, Accept-Encoding.
    static let caddyLines = [
        "GET /auth?q=1 HTTP/1.1",
        "Host: example.com",
        "User-Agent: curl/7.88.1",
        "Accept: */*",
        "X-Api-Key: kg_AbC123secretsecretsecret",
        "X-Forwarded-For: 127.0.0.1",
        "X-Forwarded-Host: example.com",
        "X-Forwarded-Method: POST",
        "X-Forwarded-Proto: http",
        "X-Forwarded-Uri: /allow/x?q=1",
        "Accept-Encoding: gzip",
    ]

    /// Envoy ext_authz `http_service`: original method, prefixed path, lowercase names, Content-Length: 0.
    static let envoyLines = [
        "POST /ext_authz/api/thing?page=2 HTTP/1.1",
        "host: example.com",
        "content-length: 0",
        "authorization: Bearer kg_AbC123secretsecretsecret",
        "x-forwarded-proto: https",
        "x-envoy-internal: true",
        "x-forwarded-for: 10.0.0.1",
        "x-envoy-expected-rq-timeout-ms: 200",
    ]

    static func parse(_ bytes: [UInt8], limits: HTTPHeadLimits = HTTPHeadLimits()) -> HTTPHeadParse {
        bytes.withUnsafeBytes { HTTPHeadParser.parse($0, limits: limits) }
    }

    /// The head of a `.complete` verdict, or nil.
    static func completeHead(_ parse: HTTPHeadParse) -> HTTPRequestHead? {
        if case .complete(let head, _) = parse { return head }
        return nil
    }

    /// The test application's answer: 204 naming the method and target it saw.
    static func respond(to head: HTTPRequestHead, output: inout [UInt8]) {
        HTTPResponseWriter.append(
            status: 204, headers: [("X-Seen", "\(head.method) \(head.target)")], keepAlive: head.keepAlive,
            minorVersion: head.minorVersion, to: &output)
    }

    /// Everything a connection did with one stream.
    struct Outcome: Equatable, CustomStringConvertible {
        var heads: [HTTPRequestHead] = []
        var output: [UInt8] = []
        var error: HTTPHeadError?
        var errorCount = 0
        var wantsClose = false
        var bufferedByteCount = 0
        /// The largest ``HTTPConnection/bufferedByteCount`` seen between chunks; depends on the split, so `==`
        /// ignores it.
        var maxBufferedByteCount = 0

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.heads == rhs.heads && lhs.output == rhs.output && lhs.error == rhs.error
                && lhs.errorCount == rhs.errorCount && lhs.wantsClose == rhs.wantsClose
                && lhs.bufferedByteCount == rhs.bufferedByteCount
        }

        var description: String {
            "\(self.heads.count) heads, error \(self.error.map { "\($0)" } ?? "none"), close \(self.wantsClose)"
        }
    }

    /// Feeds `stream` to a fresh connection cut at `cuts` (ascending offsets); keeps feeding after an error to check
    /// that nothing more happens.
    static func serve(_ stream: [UInt8], cuts: [Int] = [], limits: HTTPHeadLimits = HTTPHeadLimits()) -> Outcome {
        var connection = HTTPConnection(limits: limits)
        var outcome = Outcome()
        var start = 0
        for end in cuts + [stream.count] where end >= start {
            stream[start..<end].withUnsafeBytes { chunk in
                let error = connection.consume(chunk, output: &outcome.output) { head, output in
                    outcome.heads.append(head)
                    Self.respond(to: head, output: &output)
                }
                if let error {
                    outcome.error = error
                    outcome.errorCount += 1
                }
            }
            outcome.maxBufferedByteCount = max(outcome.maxBufferedByteCount, connection.bufferedByteCount)
            start = end
        }
        outcome.wantsClose = connection.progress == .finished
        outcome.bufferedByteCount = connection.bufferedByteCount
        return outcome
    }

    /// One to `maxCuts` random ascending cut offsets inside `count` bytes, mostly a few bytes apart.
    static func randomCuts(count: Int, maxCuts: Int = 12, _ generator: inout Generator) -> [Int] {
        guard count > 1 else { return [] }
        return (0..<Int.random(in: 1...maxCuts, using: &generator))
            .map { _ in Int.random(in: 1..<count, using: &generator) }
            .sorted()
    }

    /// True when `needle` occurs in `haystack` as a run of bytes.
    static func contains(_ haystack: [UInt8], _ needle: some Collection<UInt8>) -> Bool {
        let needle = Array(needle)
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
