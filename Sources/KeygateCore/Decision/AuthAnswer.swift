/// keygate's answer to one request, as a typed value: the decision it answers, shaped by the asking front end's
/// ``FrontEndProfile`` and the gate's settings. One encoder per wire writes it: ``HTTPResponseWriter`` and
/// ``FastCGIResponseWriter`` (the CGI stream inside FastCGI).
///
/// Allow: the profile's allow status with the identity headers. Deny: the outcome's status (a limit denial the
/// profile's), `X-Keygate-Reason`, `WWW-Authenticate` (RFC 6750) on 401 and on insufficient scope, an RFC 9457
/// problem body where the wire carries one, and the same JSON in `X-Keygate-Problem` where the front end drops it.
/// Rate-limit fields go on every answer for a key whose limits were evaluated, allowed or not.
public struct AuthAnswer {
    /// What kind of answer this is.
    public enum Kind: Sendable, Equatable {
        case allow
        case deny
        /// A denial that carries its status only (mod_fcgid's access checker; the explain pass answers it).
        case bareDenial
        /// The explain pass found the request allowed now (a window turned over): 503, retry at once.
        case retry
        /// The explain pass was asked something that is not an error redirect of a denial.
        case notFound
    }

    public let kind: Kind
    public let status: Int
    public let decision: Decision
    public let profile: FrontEndProfile
    /// `realm` of `WWW-Authenticate`.
    let realm: String
    /// Whether an allow carries the identity headers.
    let identityHeaders: Bool
    /// The key's encoder cache, kept by the gate per cached key; `nil` renders everything afresh.
    let memo: AnswerMemo?

    /// The answer to `decision` for the front end of `profile`, under `policy`'s realm and identity setting.
    public init(_ decision: Decision, profile: FrontEndProfile, policy: GatePolicy, memo: AnswerMemo? = nil) {
        self.decision = decision
        self.profile = profile
        self.realm = policy.realm
        self.identityHeaders = policy.identityHeaders
        self.memo = memo
        let outcome = decision.outcome
        if outcome == .allow {
            self.kind = profile.isExplainPass ? .retry : .allow
            self.status = profile.isExplainPass ? 503 : profile.allowStatus
        } else {
            self.kind = profile.explainsDenials ? .deny : .bareDenial
            self.status =
                outcome == .rateLimited && profile.explainsDenials ? profile.limitDenyStatus : outcome.httpStatus
        }
    }

    private init(notFoundFor profile: FrontEndProfile) {
        self.kind = .notFound
        self.status = 404
        self.decision = Decision(.allow)
        self.profile = profile
        self.realm = ""
        self.identityHeaders = false
        self.memo = nil
    }

    /// The explain pass's answer to anything that is not an Apache error redirect of a denial.
    public static func notFound(for profile: FrontEndProfile) -> AuthAnswer { AuthAnswer(notFoundFor: profile) }

    /// The `application/problem+json` body of ``notFound(for:)``, without its final newline.
    static let notFoundProblem = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}"

    /// The RFC 6750 challenge: none for 500, bare realm when no key was sent, `invalid_token` for bad credentials.
    static func challenge(for outcome: Outcome, realm: String, missingScopes: [String]) -> String? {
        let realmPart = "Bearer realm=\"\(quotedSafe(realm))\""
        switch outcome {
        case .allow, .storeUnavailable, .limitsUnavailable, .rateLimited, .ipNotAllowed, .originNotAllowed: return nil
        case .missing: return realmPart
        case .insufficientScope:
            return realmPart
                + ", error=\"insufficient_scope\", scope=\"\(quotedSafe(missingScopes.joined(separator: " ")))\""
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
        String(
            decoding: headerSafe(value).utf8.map {
                $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") ? UInt8(ascii: "'") : $0
            }, as: UTF8.self)
    }
}

extension AuthAnswer {
    /// The CGI stream of this answer (`Status: 204\r\nName: value\r\n…\r\n` and the body), what FastCGI STDOUT
    /// carries; for the CLI and tests (the FastCGI encoder writes the same bytes in place).
    public func cgiStream() -> [UInt8] {
        var out: [UInt8] = []
        AnswerFields(self).appendCGIStream(to: &out)
        return out
    }

    /// The answer as a CGI response read back: status, header fields and body; for the CLI and tests.
    public var cgi: CGIResponse { CGIResponse(parsing: self.cgiStream())! }

    /// The header fields, in order, as the CGI stream carries them (without `Status`).
    public var headers: [(name: String, value: String)] {
        self.cgi.headers.dropFirst().map { (name: $0.0, value: $0.1) }
    }

    /// The body the CGI stream carries.
    public var body: [UInt8] { self.cgi.body }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }
}
