/// The header field lines and body of one ``AuthAnswer``, worked out once per encoding: what both wire encoders
/// write between their framing (the HTTP status line and `Content-Length`, or the CGI `Status` line and body).
///
/// The pieces a key repeats (identity lines, rate-limit item names, `RateLimit-Policy`) come from the answer's
/// ``AnswerMemo``; everything else is written straight into the encoder's buffer.
struct AnswerFields {
    // Only what the writers read: holding the whole answer would copy (and later release) every reference it holds.
    private let kind: AuthAnswer.Kind
    private let status: Int
    private let outcome: Outcome
    private let profile: FrontEndProfile
    /// The identity lines, `Name: value\r\n` each; empty when none are sent.
    private let identity: [UInt8]
    /// The rate-limit lines' pieces, when the answer carries them.
    private let rateLimits: RateLimitHeaders.Lines?
    /// A denial's `WWW-Authenticate` value.
    private let challenge: String?
    /// A denial's (or the explain pass's 404's) problem JSON, without the final newline.
    private let problem: String?
    /// Upper bound of the bytes ``write(to:)`` writes.
    let capacity: Int

    init(_ answer: borrowing AuthAnswer) {
        self.kind = answer.kind
        self.status = answer.status
        self.outcome = answer.decision.outcome
        self.profile = answer.profile
        let profile = answer.profile
        var identity: [UInt8] = []
        var rateLimits: RateLimitHeaders.Lines? = nil
        var challenge: String? = nil
        var problem: String? = nil
        var capacity = 0
        switch answer.kind {
        case .allow, .retry, .deny:
            if answer.kind == .allow, answer.identityHeaders, let key = answer.decision.key {
                identity = (answer.memo ?? AnswerMemo()).identityLines(of: key, names: profile.identityNames)
            }
            if let limits = answer.decision.limits {
                if let policies = answer.decision.limitPolicies {
                    rateLimits = RateLimitHeaders.Lines(policies: policies, evaluation: limits)
                } else if let key = answer.decision.key {
                    rateLimits = (answer.memo ?? AnswerMemo()).rateLimitLines(of: key, evaluation: limits)
                }
            }
            if answer.kind == .deny {
                let outcome = answer.decision.outcome
                if outcome == .rateLimited {
                    problem = RateLimitHeaders.problemJSON(violatedPolicies: answer.decision.limits?.violated ?? [])
                } else {
                    // Only a scope denial names scopes: a revoked key's missing scopes are nobody's business.
                    let missingScopes =
                        outcome == .insufficientScope
                        ? (answer.decision.key.map {
                            ScopeSet.missing(from: $0.scopes, required: answer.decision.requiredScopes)
                        }
                            ?? []) : []
                    challenge = AuthAnswer.challenge(for: outcome, realm: answer.realm, missingScopes: missingScopes)
                    problem = AuthAnswer.problemJSON(outcome: outcome, missingScopes: missingScopes)
                }
            }
        case .notFound: problem = AuthAnswer.notFoundProblem
        case .bareDenial: break
        }
        // Names, separators and line ends of the fixed fields, with room to spare.
        capacity += 160 + identity.count + (rateLimits?.capacity ?? 0)
        capacity += (challenge?.utf8.count ?? 0) + 2 * (problem?.utf8.count ?? 0)
        self.identity = identity
        self.rateLimits = rateLimits
        self.challenge = challenge
        self.problem = problem
        self.capacity = capacity
    }

    /// Writes the header field lines, `Name: value\r\n` each, in their wire order.
    func write(to out: inout ByteWriter) {
        let profile = self.profile
        switch self.kind {
        case .allow:
            out.append(self.identity)
        case .retry:
            out.append(literal: "Retry-After: 1\r\nX-Keygate-Reason: retry\r\nCache-Control: no-store\r\n")
        case .deny:
            out.append(literal: "X-Keygate-Reason: ")
            out.append(self.outcome.rawValue)
            out.append(literal: "\r\n")
            if let challenge = self.challenge {
                out.append(literal: "WWW-Authenticate: ")
                out.append(challenge)
                out.append(literal: "\r\n")
            }
            if profile.problemHeader, let problem = self.problem {
                out.append(literal: "X-Keygate-Problem: ")
                out.append(problem)
                out.append(literal: "\r\n")
            }
            // The body's media type goes with the body: without one it would only mislead a relaying proxy's client.
            if profile.sendsBody { out.append(literal: "Content-Type: application/problem+json\r\n") }
            out.append(literal: "Cache-Control: no-store\r\n")
        case .notFound:
            out.append(literal: "Content-Type: application/problem+json\r\n")
        case .bareDenial:
            break
        }
        self.rateLimits?.write(to: &out, fields: profile.rateLimitFields)
    }

    /// The bytes of the body: the problem JSON and a newline, where the wire carries a body.
    var bodyCount: Int {
        guard self.profile.sendsBody || self.kind == .notFound, let problem = self.problem else {
            return 0
        }
        return problem.utf8.count + 1
    }

    /// Writes the body (``bodyCount`` bytes).
    func writeBody(to out: inout ByteWriter) {
        guard self.bodyCount > 0, let problem = self.problem else { return }
        out.append(problem)
        out.append(UInt8(ascii: "\n"))
    }

    /// The most bytes ``writeCGIStream(to:)`` writes.
    var cgiStreamCapacity: Int { 8 + 20 + 2 + self.capacity + 2 + self.bodyCount }

    /// Writes the CGI stream: `Status: NNN\r\n`, the fields, the empty line, the body.
    func writeCGIStream(to out: inout ByteWriter) {
        out.append(literal: "Status: ")
        out.append(decimal: self.status)
        out.append(literal: "\r\n")
        self.write(to: &out)
        out.append(literal: "\r\n")
        self.writeBody(to: &out)
    }

    /// Appends the CGI stream to `out`, written in place.
    func appendCGIStream(to out: inout [UInt8]) {
        ByteWriter.append(to: &out, capacity: self.cgiStreamCapacity) { self.writeCGIStream(to: &$0) }
    }
}
