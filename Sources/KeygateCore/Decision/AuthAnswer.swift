/// The HTTP-level answer to a decision: status, header fields and body, before any wire encoding.
public struct AuthAnswer: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// The header fields: as a list, or (the answers every allowed request gets) already rendered as lines.
    private var fields: Fields

    enum Fields: Sendable {
        case list([(name: String, value: String)])
        /// `Name: value\r\n` per field, in order: what the writers copy as they are.
        case lines([UInt8])
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.fields = .list(headers)
        self.body = body
    }

    /// An answer without a body whose header fields are `lines`, `Name: value\r\n` each.
    init(status: Int, lines: [UInt8]) {
        self.status = status
        self.fields = .lines(lines)
        self.body = []
    }

    /// The header fields, in order.
    public var headers: [(name: String, value: String)] {
        get {
            switch self.fields {
            case .list(let list): return list
            case .lines(let lines): return Self.fields(of: lines)
            }
        }
        set { self.fields = .list(newValue) }
        _modify {
            var list = self.headers
            self.fields = .list([])  // the list is uniquely referenced while it is modified
            defer { self.fields = .list(list) }
            yield &list
        }
    }

    /// The rendered header lines, when the fields are kept as such.
    var headerLines: [UInt8]? {
        if case .lines(let lines) = self.fields { return lines }
        return nil
    }

    /// The fields of `Name: value\r\n` lines (a name never holds a colon, a value never CR or LF).
    static func fields(of lines: [UInt8]) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var start = 0
        while let end = lines[start...].firstIndex(of: UInt8(ascii: "\r")) {
            let colon = lines[start..<end].firstIndex(of: UInt8(ascii: ":")) ?? end
            let valueStart = min(colon + 2, end)
            fields.append(
                (String(decoding: lines[start..<colon], as: UTF8.self),
                    String(decoding: lines[valueStart..<end], as: UTF8.self)))
            start = end + 2
        }
        return fields
    }

    public static func == (lhs: AuthAnswer, rhs: AuthAnswer) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { "\($0.name): \($0.value)" } == rhs.headers.map { "\($0.name): \($0.value)" }
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Builds the answer for `decision`.
    ///
    /// Allow: 204 for nginx, exactly 200 for Apache authorizers (mod_fcgid allows on nothing else), with identity headers.
    /// Deny: the outcome's status, `X-Keygate-Reason`, `WWW-Authenticate` (RFC 6750) on 401 and on insufficient scope,
    /// an RFC 9457 problem body, and the same JSON in `X-Keygate-Problem` so nginx can return it (it drops our body).
    public static func rendering(
        _ decision: Decision, for frontEnd: FrontEnd, policy: GatePolicy, limitDenyStatus: Int = 429
    ) -> AuthAnswer {
        var memo = AnswerMemo()
        return Self.rendering(decision, for: frontEnd, policy: policy, limitDenyStatus: limitDenyStatus, memo: &memo)
    }

    /// ``rendering(_:for:policy:limitDenyStatus:)``, taking the key's repeated header values from `memo` and leaving
    /// them there for the next answer: the same answer, rendered faster when `memo` is kept per key.
    public static func rendering(
        _ decision: Decision, for frontEnd: FrontEnd, policy: GatePolicy, limitDenyStatus: Int = 429,
        memo: inout AnswerMemo
    ) -> AuthAnswer {
        if frontEnd == .nginx && decision.outcome == .allow && decision.limitPolicies == nil, let key = decision.key,
            let answer = Self.renderingNginxAllow(decision, key: key, policy: policy, memo: &memo)
        {
            return answer
        }
        if frontEnd == .apacheAccessChecker && decision.outcome != .allow {
            // mod_fcgid answers every denial with 401 and leaks our headers; the explain pass adds the real ones.
            return AuthAnswer(status: decision.outcome.httpStatus)
        }
        var answer = Self.renderingOutcome(
            decision, for: frontEnd, policy: policy, limitDenyStatus: limitDenyStatus, memo: &memo)
        // Rate-limit fields go on every answer for a key whose limits were evaluated, allowed or not.
        if let limits = decision.limits {
            if let policies = decision.limitPolicies {
                RateLimitHeaders(policies: policies, evaluation: limits).appendFields(to: &answer.headers)
            } else if let key = decision.key {
                let policyField =
                    key.policies.stateCount == limits.evaluations.count && !limits.evaluations.isEmpty
                    ? memo.policyField(of: key, evaluations: limits.evaluations) : nil
                RateLimitHeaders(policies: key.policies, evaluation: limits, policyField: policyField)
                    .appendFields(to: &answer.headers)
            }
        }
        return answer
    }

    /// The nginx allow answer for `key`, the same as the general path renders it, but with its header fields
    /// written straight as lines (the identity lines taken whole from `memo`); nil for a case it does not cover.
    static func renderingNginxAllow(
        _ decision: Decision, key: KeyRecord, policy: GatePolicy, memo: inout AnswerMemo
    ) -> AuthAnswer? {
        let identity = policy.identityHeaders ? memo.nginxIdentityLines(of: key) : []
        guard let limits = decision.limits else { return AuthAnswer(status: 204, lines: identity) }
        let evaluations = limits.evaluations
        guard limits.admitted, !evaluations.isEmpty, key.policies.stateCount == evaluations.count else { return nil }
        let policyField = memo.policyField(of: key, evaluations: evaluations)
        let prefixes = memo.rateLimitItemPrefixes(of: key)
        let capacity =
            identity.count + RateLimitHeaders.admittedLinesCapacity(itemPrefixes: prefixes, policyField: policyField)
        let lines = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            var out = ByteWriter(buffer)
            out.append(identity)
            RateLimitHeaders.writeAdmittedLines(
                evaluation: limits, itemPrefixes: prefixes, policyField: policyField, to: &out)
            written = out.count
        }
        return AuthAnswer(status: 204, lines: lines)
    }

    static func renderingOutcome(
        _ decision: Decision, for frontEnd: FrontEnd, policy: GatePolicy, limitDenyStatus: Int, memo: inout AnswerMemo
    ) -> AuthAnswer {
        let outcome = decision.outcome
        if outcome == .rateLimited {
            let problem = RateLimitHeaders.problemJSON(violatedPolicies: decision.limits?.violated ?? [])
            var headers: [(name: String, value: String)] = [("X-Keygate-Reason", outcome.rawValue)]
            // nginx drops an auth response's body: it returns this copy of it (Apache relays the body itself).
            if frontEnd == .nginx { headers.append(("X-Keygate-Problem", problem)) }
            headers += [("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")]
            return AuthAnswer(status: limitDenyStatus, headers: headers, body: Array(problem.utf8) + [UInt8(ascii: "\n")])
        }
        if frontEnd == .apacheExplain && outcome == .allow {
            // Denied a moment ago, allowed now (a window turned over): ask the client to retry at once.
            return AuthAnswer(
                status: 503, headers: [("Retry-After", "1"), ("X-Keygate-Reason", "retry"), ("Cache-Control", "no-store")])
        }
        if outcome == .allow {
            var answer = AuthAnswer(status: frontEnd == .nginx ? 204 : 200)
            if policy.identityHeaders, let key = decision.key {
                let names = frontEnd == .nginx || frontEnd == .apacheExplain ? Self.nginxIdentityNames : Self.apacheIdentityNames
                let values = memo.identity(of: key)
                // Room for the rate-limit fields too, which follow on a key with limits.
                answer.headers.reserveCapacity(decision.limits == nil ? 4 : 10)
                for index in 0..<4 { answer.headers.append((names[index], values[index])) }
            }
            return answer
        }
        var answer = AuthAnswer(status: outcome.httpStatus)
        answer.headers.append(("X-Keygate-Reason", outcome.rawValue))
        // Only a scope denial names scopes: a revoked key's missing scopes are nobody's business.
        let missingScopes =
            outcome == .insufficientScope
            ? (decision.key.map { ScopeSet.missing(from: $0.scopes, required: decision.requiredScopes) } ?? []) : []
        if let challenge = challenge(for: outcome, realm: policy.realm, missingScopes: missingScopes) {
            answer.headers.append(("WWW-Authenticate", challenge))
        }
        let problem = problemJSON(outcome: outcome, missingScopes: missingScopes)
        if frontEnd == .nginx { answer.headers.append(("X-Keygate-Problem", problem)) }
        answer.headers.append(("Content-Type", "application/problem+json"))
        answer.headers.append(("Cache-Control", "no-store"))
        answer.body = Array(problem.utf8) + [UInt8(ascii: "\n")]
        return answer
    }

    /// Identity header names: plain headers for nginx's `auth_request_set`, `Variable-*` for Apache authorizers.
    static let nginxIdentityNames = ["X-Keygate-Key-Id", "X-Keygate-Key-Name", "X-Keygate-Owner", "X-Keygate-Scopes"]
    static let apacheIdentityNames = [
        "Variable-KEYGATE_KEY_ID", "Variable-KEYGATE_KEY_NAME", "Variable-KEYGATE_OWNER", "Variable-KEYGATE_SCOPES",
    ]

    /// The RFC 6750 challenge: none for 500, bare realm when no key was sent, `invalid_token` for bad credentials.
    static func challenge(for outcome: Outcome, realm: String, missingScopes: [String]) -> String? {
        let realmPart = "Bearer realm=\"\(quotedSafe(realm))\""
        switch outcome {
        case .allow, .storeUnavailable, .limitsUnavailable, .rateLimited, .ipNotAllowed, .originNotAllowed: return nil
        case .missing: return realmPart
        case .insufficientScope:
            return realmPart + ", error=\"insufficient_scope\", scope=\"\(quotedSafe(missingScopes.joined(separator: " ")))\""
        case .malformed, .unknown, .expired, .revoked, .disabled:
            return realmPart + ", error=\"invalid_token\", error_description=\"\(outcome.title)\""
        }
    }

    /// RFC 9457 problem details; ASCII only, so it is also a valid header value.
    static func problemJSON(outcome: Outcome, missingScopes: [String]) -> String {
        var json = "{\"type\":\"urn:keygate:problem:\(outcome.rawValue)\",\"title\":\"\(outcome.title)\""
        json += ",\"status\":\(outcome.httpStatus),\"reason\":\"\(outcome.rawValue)\""
        if !missingScopes.isEmpty {
            json += ",\"missing_scopes\":[" + missingScopes.map(JSONText.quoted).joined(separator: ",") + "]"
        }
        return json + "}"
    }

    /// Replaces control characters (CR and LF above all) so a stored value can never split a header.
    public static func headerSafe(_ value: String) -> String {
        func unsafe(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
        let clean = value.utf8.withContiguousStorageIfAvailable { !$0.contains(where: unsafe) }
        guard !(clean ?? !value.utf8.contains(where: unsafe)) else { return value }
        return String(decoding: value.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }

    static func quotedSafe(_ value: String) -> String {
        String(decoding: headerSafe(value).utf8.map { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") ? UInt8(ascii: "'") : $0 }, as: UTF8.self)
    }

    /// CGI response head (`Status: 204\r\nName: value\r\n…\r\n\r\n`), what FastCGI STDOUT carries.
    public func cgiHead() -> [UInt8] {
        var count = 8 + 20 + 2 + 2  // "Status: ", the digits, CRLF, the final CRLF
        if let lines = self.headerLines {
            return [UInt8](unsafeUninitializedCapacity: count + lines.count) { buffer, written in
                var out = ByteWriter(buffer)
                out.append(literal: "Status: ")
                out.append(decimal: self.status)
                out.append(literal: "\r\n")
                out.append(lines)
                out.append(literal: "\r\n")
                written = out.count
            }
        }
        for header in self.headers { count += header.name.utf8.count + header.value.utf8.count + 4 }
        // Written in place into storage of the exact size: this runs for every answer.
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, written in
            var out = ByteWriter(buffer)
            out.append(literal: "Status: ")
            out.append(decimal: self.status)
            out.append(literal: "\r\n")
            for header in self.headers {
                out.append(header.name)
                out.append(literal: ": ")
                out.append(header.value)
                out.append(literal: "\r\n")
            }
            out.append(literal: "\r\n")
            written = out.count
        }
    }
}
