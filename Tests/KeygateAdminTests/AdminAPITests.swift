import Foundation
import KeygateAdmin
import KeygateCore
import KeygateStore
import Logging
import Testing

/// The admin API without a socket: every rule of authentication, grants, bodies, ETags, idempotency and paging.
@Suite struct AdminAPITests {
    @Test func noKeyABadKeyOrARevokedKeyIs401WithAProblem() throws {
        let fixture = try AdminFixture()
        for secret in [
            nil, "kgadmin_short", "kg_0123456789abcdefghijklmnopqrstABCDEF", String(repeating: "x", count: 5000),
        ] {
            let answer = fixture.send("GET", "/v1/keys", as: secret)
            #expect(answer.status == 401)
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(answer.header("WWW-Authenticate") == "Bearer realm=\"keygate-admin\"")
            #expect(answer.object["type"] as? String == "urn:keygate:problem:unauthenticated")
            #expect(answer.object["status"] as? Int == 401)
        }
        let other = try fixture.adminKey(["keys:read"])
        #expect(fixture.send("GET", "/v1/keys", as: other).status == 200)
        let id = try #require(fixture.store.adminKeys().first { $0.name == "limited" }?.id)
        #expect(fixture.send("POST", "/v1/admin-keys/\(id)/revoke").status == 200)
        #expect(fixture.send("GET", "/v1/keys", as: other).status == 401)
    }

    @Test func aMissingGrantIs403AndWildcardsGrant() throws {
        let fixture = try AdminFixture()
        let reader = try fixture.adminKey(["keys:read"])
        let created = fixture.send("POST", "/v1/keys", json: #"{"name":"a"}"#, as: reader)
        #expect(created.status == 403)
        let limited = try #require(try fixture.store.adminKeys().first { $0.name == "limited" })
        #expect(created.object["detail"] as? String == "admin key \(limited.id) lacks keys:create")
        #expect(try fixture.store.list(includeRevoked: true).isEmpty)
        let everythingOnKeys = try fixture.adminKey(["keys:*"])
        #expect(fixture.send("POST", "/v1/keys", json: #"{"name":"a"}"#, as: everythingOnKeys).status == 201)
        #expect(fixture.send("GET", "/v1/audit", as: everythingOnKeys).status == 403)
        let readEverything = try fixture.adminKey(["*:read"])
        #expect(fixture.send("GET", "/v1/audit", as: readEverything).status == 200)
        #expect(fixture.send("GET", "/v1/plans", as: readEverything).status == 200)
        #expect(fixture.send("POST", "/v1/keys", json: #"{"name":"b"}"#, as: readEverything).status == 403)
    }

    @Test func anAdminKeyGivesOnlyWhatItHolds() throws {
        let fixture = try AdminFixture()
        let keysAdmin = try fixture.adminKey(["keys:*", "admin-keys:create"])
        let escalate = fixture.send("POST", "/v1/admin-keys", json: #"{"name":"x","grants":["*"]}"#, as: keysAdmin)
        #expect(escalate.status == 403)
        let sideways = fixture.send(
            "POST", "/v1/admin-keys", json: #"{"name":"x","grants":["audit:read"]}"#, as: keysAdmin)
        #expect(sideways.status == 403)
        let fine = fixture.send(
            "POST", "/v1/admin-keys", json: #"{"name":"app","grants":["keys:create"]}"#, as: keysAdmin)
        #expect(fine.status == 201)
        let secret = try #require(fine.object["secret"] as? String)
        #expect(secret.hasPrefix("kgadmin_"))
        #expect(fixture.send("POST", "/v1/keys", json: #"{"name":"made by app"}"#, as: secret).status == 201)
        let bad = fixture.send("POST", "/v1/admin-keys", json: #"{"name":"x","grants":["keys:fly"]}"#)
        #expect(bad.status == 400)
        // Listing shows no secret.
        let list = fixture.send("GET", "/v1/admin-keys")
        #expect(list.status == 200 && !list.text.contains(secret) && !list.text.contains(fixture.root.secret))
    }

    @Test func createShowsTheSecretOnceAndAuditsTheAdminKey() throws {
        let fixture = try AdminFixture()
        let answer = fixture.send(
            "POST", "/v1/keys",
            json:
                #"{"name":"partner","owner":"acme","scopes":["read"],"limits":["100/s"],"quotas":["1000/month"],"metadata":{"tier":"gold","n":1.5},"expires":"90d"}"#
        )
        #expect(answer.status == 201, "\(answer.text)")
        let id = try #require(answer.object["id"] as? String)
        let secret = try #require(answer.object["key"] as? String)
        #expect(secret.hasPrefix("kg_") && APIKeyFormat.isWellFormed(secret))
        #expect(answer.header("Location") == "/v1/keys/\(id)")
        let record = try #require(try fixture.store.find(id: id))
        #expect(record.owner == "acme" && record.scopes == ["read"])
        #expect(record.policies.rateLimits.count == 1 && record.policies.quotas.count == 1)
        #expect(record.metadataJSON == #"{"n":1.5,"tier":"gold"}"#)
        let shown = fixture.send("GET", "/v1/keys/\(id)")
        #expect(shown.status == 200 && shown.object["key"] == nil && !shown.text.contains(secret))
        let audit = try fixture.store.auditLog(keyID: id, limit: 10)
        #expect(audit.first?.actor == "admin:\(fixture.root.key.id)")
        #expect(!audit.contains { $0.detail.contains(secret) })
    }

    @Test(arguments: [
        (#"{"name":"a","colour":"red"}"#, "colour: unknown field"),
        (#"{"name":5}"#, "name: must be a string, not a number"),
        (#"{"name":"a","scopes":"read"}"#, "scopes: must be an array of strings, not a string"),
        (#"{"name":"a","scopes":[1]}"#, "scopes: must be an array of strings, found a number"),
        (#"{"name":"a","limits":["lots"]}"#, "limits: lots:"),
        (#"{"name":"a","credits":{"initial":1.5}}"#, "credits.initial: must be an integer, not a number"),
        (#"{"name":"a","credits":{"initial":5,"x":1}}"#, "credits.x: unknown field"),
        (#"{"name":"a","expires":"yesterday"}"#, "expires: yesterday"),
        (#"{"name":"a","allowed_ips":["10.0.0.1/8"]}"#, "allowed_ips: 10.0.0.1/8"),
        (#"{"name":"a","plan":"nope"}"#, "plan: no plan named nope"),
        (#"{"owner":"a"}"#, "name: is required"),
        (#"{"name":"a""#, "not valid JSON"),
        (#"[1,2]"#, "must be a JSON object, not an array"),
        ("", "not valid JSON"),
    ])
    func badBodiesAre400NamingTheFieldAndWriteNothing(body: String, says: String) throws {
        let fixture = try AdminFixture()
        let answer = fixture.send("POST", "/v1/keys", json: body)
        #expect(answer.status == 400, "\(answer.text)")
        #expect(answer.header("Content-Type") == "application/problem+json")
        #expect((answer.object["detail"] as? String)?.contains(says) == true, "\(answer.text)")
        #expect(try fixture.store.list(includeRevoked: true).isEmpty)
        #expect(try fixture.store.auditLog(keyID: nil, limit: 10).allSatisfy { $0.action.hasPrefix("admin-key") })
    }

    @Test func aBodyOfAnotherTypeIs415() throws {
        let fixture = try AdminFixture()
        var headers = ["content-type": "text/plain"]
        headers["authorization"] = "Bearer \(fixture.root.secret)"
        let answer = fixture.api.handle(
            AdminRequest(method: "POST", path: "/v1/keys", headers: headers, body: Array(#"{"name":"a"}"#.utf8)),
            nowMicros: fixture.nowMicros)
        #expect(answer.status == 415)
    }

    @Test func anIdempotencyKeyMakesARetryAnswerTheSameKeyWithoutItsSecret() throws {
        let fixture = try AdminFixture()
        let body = #"{"name":"once"}"#
        let first = fixture.send("POST", "/v1/keys", json: body, headers: ["idempotency-key": "order-17"])
        #expect(first.status == 201)
        let retry = fixture.send("POST", "/v1/keys", json: body, headers: ["idempotency-key": "order-17"])
        #expect(retry.status == 200)
        #expect(retry.header("Idempotent-Replayed") == "true")
        #expect(retry.object["id"] as? String == first.object["id"] as? String)
        #expect(retry.object["key"] == nil && retry.object["secret_shown"] as? Bool == false)
        #expect(try fixture.store.list(includeRevoked: true).count == 1)
        let other = fixture.send(
            "POST", "/v1/keys", json: #"{"name":"twice"}"#, headers: ["idempotency-key": "order-17"])
        #expect(other.status == 422)
        // Another admin key's same Idempotency-Key is its own.
        let second = try fixture.adminKey(["keys:create"])
        #expect(
            fixture.send("POST", "/v1/keys", json: body, as: second, headers: ["idempotency-key": "order-17"]).status
                == 201)
        #expect(try fixture.store.list(includeRevoked: true).count == 2)
    }

    @Test func etagsMakeUpdatesOptimistic() throws {
        let fixture = try AdminFixture()
        let id = try #require(fixture.send("POST", "/v1/keys", json: #"{"name":"e"}"#).object["id"] as? String)
        let read = fixture.send("GET", "/v1/keys/\(id)")
        let etag = try #require(read.header("ETag"))
        #expect(fixture.send("GET", "/v1/keys/\(id)", headers: ["if-none-match": etag]).status == 304)
        let changed = fixture.send(
            "PATCH", "/v1/keys/\(id)", json: #"{"name":"renamed"}"#, headers: ["if-match": etag])
        #expect(changed.status == 200)
        #expect(changed.object["name"] as? String == "renamed")
        let newTag = try #require(changed.header("ETag"))
        #expect(newTag != etag)
        let stale = fixture.send(
            "PATCH", "/v1/keys/\(id)", json: #"{"name":"lost update"}"#, headers: ["if-match": etag])
        #expect(stale.status == 412)
        #expect(try fixture.store.find(id: id)?.name == "renamed")
        // Use of the key (last_used_at) does not change its ETag.
        #expect(fixture.send("GET", "/v1/keys/\(id)").header("ETag") == newTag)
        #expect(fixture.send("PATCH", "/v1/keys/\(id)", json: "{}").status == 400)
        #expect(fixture.send("PATCH", "/v1/keys/\(id)", json: #"{"status":"revoked"}"#).status == 400)
        #expect(fixture.send("PATCH", "/v1/keys/kid_0000000000000000", json: #"{"name":"x"}"#).status == 404)
    }

    @Test func rotateRevokeAndDelete() throws {
        let fixture = try AdminFixture()
        let created = fixture.send("POST", "/v1/keys", json: #"{"name":"r"}"#)
        let id = try #require(created.object["id"] as? String)
        let rotated = fixture.send("POST", "/v1/keys/\(id)/rotate", json: #"{"grace":"1h"}"#)
        #expect(rotated.status == 200)
        #expect((rotated.object["key"] as? String) != (created.object["key"] as? String))
        #expect(try fixture.store.secrets(id: id).count == 2)
        #expect(fixture.send("POST", "/v1/keys/\(id)/rotate", json: #"{"grace":"soon"}"#).status == 400)
        let revoked = fixture.send("POST", "/v1/keys/\(id)/revoke")
        #expect(revoked.status == 200 && revoked.object["status"] as? String == "revoked")
        #expect(
            fixture.send("GET", "/v1/keys").object["keys"] as? [Any] == nil
                || (fixture.send("GET", "/v1/keys").object["keys"] as? [Any])?.isEmpty == true)
        #expect(fixture.send("DELETE", "/v1/keys/\(id)").status == 204)
        #expect(fixture.send("GET", "/v1/keys/\(id)").status == 404)
        #expect(fixture.send("DELETE", "/v1/keys/\(id)").status == 404)
    }

    @Test func listsPageWithACursorAndFilter() throws {
        let fixture = try AdminFixture()
        for index in 0..<7 {
            let owner = index % 2 == 0 ? "even" : "odd"
            #expect(
                fixture.send("POST", "/v1/keys", json: #"{"name":"k\#(index)","owner":"\#(owner)"}"#).status == 201)
        }
        var names: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let target = "/v1/keys?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = fixture.send("GET", target)
            #expect(page.status == 200)
            names += (page.object["keys"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            cursor = page.object["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(names == (0..<7).map { "k\($0)" })
        #expect(pages == 3)
        let odd = fixture.send("GET", "/v1/keys?owner=odd").object["keys"] as? [[String: Any]]
        #expect(odd?.compactMap { $0["name"] as? String } == ["k1", "k3", "k5"])
        let prefixed = fixture.send("GET", "/v1/keys?name_prefix=k6").object["keys"] as? [[String: Any]]
        #expect(prefixed?.count == 1)
        #expect(fixture.send("GET", "/v1/keys?limit=0").status == 400)
        #expect(fixture.send("GET", "/v1/keys?cursor=garbage").status == 400)
        #expect(fixture.send("GET", "/v1/keys?status=gone").status == 400)
    }

    @Test func aKeysLimitStateNamesEachLimitAndCountsTheRequestTheReadingCharged() throws {
        // The reader decides as a request of cost 1 would, nothing spent: admitted, 4 of a 5/min left after it.
        let evaluation: @Sendable (Int64, Int64, Int64) -> LimitEvaluation = { limit, remaining, window in
            LimitEvaluation(
                admitted: true, newState: 0, remaining: remaining, limit: limit, resetMicros: 1_500_000,
                retryAfterMicros: 0, windowMicros: window)
        }
        let fixture = try AdminFixture { key, _ in
            guard !key.policies.isEmpty else {
                return PolicySetEvaluation(admitted: true, evaluations: [], violated: [], retryAfterMicros: 0)
            }
            guard key.name != "unreadable" else { return nil }
            return PolicySetEvaluation(
                admitted: true, evaluations: [evaluation(5, 4, 60_000_000), evaluation(100, 41, 86_400_000_000)],
                violated: [], retryAfterMicros: 0)
        }
        let metered = fixture.send("POST", "/v1/keys", json: #"{"name":"m","limits":["5/min"],"quotas":["100/day"]}"#)
        let id = try #require(metered.object["id"] as? String)
        let state = fixture.send("GET", "/v1/keys/\(id)/limits")
        #expect(state.status == 200)
        let limits = state.object["limits"] as? [[String: Any]] ?? []
        #expect(limits.map { $0["kind"] as? String } == ["rate", "quota"])
        #expect(limits.map { $0["name"] as? String } == ["5-per-min", "100-per-day"])
        #expect(limits.map { $0["remaining"] as? Int } == [5, 42])
        #expect(limits.map { $0["reset_seconds"] as? Int } == [2, 2])
        #expect(limits.map { $0["window_seconds"] as? Int } == [60, 86_400])
        #expect(state.object["admits_next"] as? Bool == true)
        let bare = try #require(fixture.send("POST", "/v1/keys", json: #"{"name":"b"}"#).object["id"] as? String)
        #expect((fixture.send("GET", "/v1/keys/\(bare)/limits").object["limits"] as? [Any])?.isEmpty == true)
        let unreadable = try #require(
            fixture.send("POST", "/v1/keys", json: #"{"name":"unreadable","limits":["1/s"]}"#).object["id"] as? String)
        #expect(fixture.send("GET", "/v1/keys/\(unreadable)/limits").status == 503)
        #expect(fixture.send("GET", "/v1/keys/kid_doesnotexist0000/limits").status == 404)
        let reader = try fixture.adminKey(["usage:read"])
        #expect(fixture.send("GET", "/v1/keys/\(id)/limits", as: reader).status == 403)
        // Without a decision path (a bare API) the state is unavailable, not made up.
        let bareAPI = try AdminFixture()
        let other = try #require(bareAPI.send("POST", "/v1/keys", json: #"{"name":"x"}"#).object["id"] as? String)
        #expect(bareAPI.send("GET", "/v1/keys/\(other)/limits").status == 503)
    }

    @Test func usageHasOneEntryPerDay() throws {
        let fixture = try AdminFixture()
        let id = try #require(fixture.send("POST", "/v1/keys", json: #"{"name":"u"}"#).object["id"] as? String)
        try fixture.store.addUsage([(keyID: id, day: "2025-12-01", admitted: 7, rejected: 2)])
        let usage = fixture.send("GET", "/v1/keys/\(id)/usage?days=7")
        #expect(usage.status == 200)
        let days = try #require(usage.object["days"] as? [[String: Any]])
        #expect(days.count == 7)
        #expect(days.last?["day"] as? String == "2025-12-02")
        #expect(days[5]["admitted"] as? Int == 7 && days[5]["rejected"] as? Int == 2)
        #expect(days.first?["admitted"] as? Int == 0)
        #expect(fixture.send("GET", "/v1/keys/\(id)/usage?days=400").status == 400)
        #expect(fixture.send("GET", "/v1/keys/kid_0000000000000000/usage").status == 404)
    }

    @Test func unknownPathsAre404AndOtherMethods405() throws {
        let fixture = try AdminFixture()
        #expect(fixture.send("GET", "/v1/nothing").status == 404)
        #expect(fixture.send("GET", "/index.html").status == 404)
        let console = fixture.send("GET", "/", as: nil)
        #expect(console.status == 200 && console.header("Content-Type") == "text/html; charset=utf-8")
        #expect(console.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(console.header("Content-Security-Policy")?.contains("unsafe-inline") == false)
        #expect(!console.text.contains("<script>") && !console.text.contains("style="))
        #expect(fixture.send("GET", "/console.js", as: nil).header("Content-Type") == "text/javascript; charset=utf-8")
        let wrong = fixture.send("PUT", "/v1/keys")
        #expect(wrong.status == 405)
        #expect(wrong.header("Allow") == "GET, POST")
        #expect(fixture.send("GET", "/openapi.json", as: nil).status == 200)
    }

    @Test func eachAdminKeyAndEachAddressHasItsOwnLimit() throws {
        let fixture = try AdminFixture()
        fixture.tickMicros = 0  // all at one instant: nothing refills
        let api = try AdminAPI(store: fixture.store, logger: Logger(label: "t"), perKeyLimit: (rate: 5, burst: 10))
        func send(_ secret: String, from address: String = "127.0.0.1") -> AdminResponse {
            api.handle(
                AdminRequest(
                    method: "GET", path: "/v1/plans", headers: ["authorization": "Bearer \(secret)"],
                    remoteAddress: address), nowMicros: fixture.nowMicros)
        }
        let statuses = (0..<15).map { _ in send(fixture.root.secret).status }
        #expect(statuses.prefix(10).allSatisfy { $0 == 200 } && statuses.suffix(5).allSatisfy { $0 == 429 })
        let limited = send(fixture.root.secret)
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
        // Another admin key is not limited by the first one's use.
        let other = try fixture.adminKey(["plans:read"])
        #expect(send(other).status == 200)
        // Refused admin keys from one address run into that address's limit, which then refuses even a good key there;
        // other addresses are not affected.
        let guesses = (0..<Int(AdminAPI.perAddressRate.burst) + 5).map { _ in
            send("kgadmin_wrong", from: "192.0.2.9").status
        }
        #expect(guesses.filter { $0 == 401 }.count == Int(AdminAPI.perAddressRate.burst))
        #expect(guesses.suffix(5).allSatisfy { $0 == 429 })
        #expect(send(other, from: "192.0.2.9").status == 429)
        #expect(send(other, from: "192.0.2.10").status == 200)
        // Successful requests never spend an address's budget.
        #expect((0..<100).allSatisfy { _ in fixture.send("GET", "/v1/plans", from: "192.0.2.11").status == 200 })
    }

    @Test func decisionCountsComeFromTheMetricsOrSayTheyAreOff() throws {
        let fixture = try AdminFixture()
        let off = fixture.send("GET", "/v1/decisions")
        #expect(off.status == 503 && off.object["type"] as? String == "urn:keygate:problem:metrics-off")
        let api = try AdminAPI(store: fixture.store, logger: Logger(label: "t")) {
            [("allow", 41), ("unknown_key", 3)]
        }
        var headers = ["authorization": "Bearer \(fixture.root.secret)"]
        let answer = api.handle(
            AdminRequest(method: "GET", path: "/v1/decisions", headers: headers), nowMicros: 5_000_000)
        #expect(answer.status == 200)
        #expect((answer.object["decisions"] as? [String: Int]) == ["allow": 41, "unknown_key": 3])
        #expect(answer.object["at_ms"] as? Int == 5_000)
        headers["authorization"] = "Bearer \(try fixture.adminKey(["keys:read"]))"
        #expect(
            api.handle(AdminRequest(method: "GET", path: "/v1/decisions", headers: headers), nowMicros: 6_000_000)
                .status == 403)
    }

    @Test func verifyHandsTheGateTheRequestAndAnswersTheDecisionAsAValue() throws {
        let fixture = try AdminFixture()
        let seen = RequestBox()
        let api = try AdminAPI(store: fixture.store, logger: Logger(label: "t"), decisionCounts: nil) { request, _ in
            seen.request = request
            let decision = Decision(.unknown)
            return (decision, AuthAnswer(decision, profile: request.profile, policy: GatePolicy()))
        }
        let headers = ["authorization": "Bearer \(fixture.root.secret)", "content-type": "application/json"]
        func verify(_ body: String) -> AdminResponse {
            api.handle(
                AdminRequest(method: "POST", path: "/v1/keys/verify", headers: headers, body: Array(body.utf8)),
                nowMicros: 1_000_000)
        }
        let answer = verify(#"{"key":"kg_x","scopes":["a:b"],"cost":3,"ip":"203.0.113.7"}"#)
        #expect(answer.status == 200)
        #expect(answer.object["valid"] as? Bool == false && answer.object["outcome"] as? String == "unknown")
        #expect(answer.object["status"] as? Int == 401)
        #expect(seen.request?.apiKeyHeader == "kg_x" && seen.request?.requiredScopes == ["a:b"])
        #expect(seen.request?.cost == 3 && seen.request?.remoteAddress == "203.0.113.7")
        #expect(seen.request?.dryRun == false)
        #expect(verify(#"{"scopes":["a"]}"#).status == 400)
        #expect(verify(#"{"key":"kg_x","cost":0}"#).status == 400)
        #expect(verify(#"{"key":"kg_x","scopes":["bad scope"]}"#).status == 400)
        #expect(verify(#"{"key":"kg_x","extra":1}"#).status == 400)
        // Without a decision path (not under keygate serve), verify is unavailable.
        #expect(fixture.send("POST", "/v1/keys/verify", json: #"{"key":"kg_x"}"#).status == 503)
    }

    @Test func plansAreMadeChangedAndDeletedAndKeysFollow() throws {
        let fixture = try AdminFixture()
        let made = fixture.send(
            "POST", "/v1/plans", json: #"{"name":"pro","limits":["100/s"],"credits":{"initial":50}}"#)
        #expect(made.status == 201, "\(made.text)")
        #expect(fixture.send("POST", "/v1/plans", json: #"{"name":"pro"}"#).status == 400)
        let key = fixture.send("POST", "/v1/keys", json: #"{"name":"on pro","plan":"pro"}"#)
        #expect(key.status == 201)
        let changed = fixture.send("PATCH", "/v1/plans/pro", json: #"{"limits":["200/s"],"credits":null}"#)
        #expect(changed.status == 200, "\(changed.text)")
        let id = try #require(key.object["id"] as? String)
        #expect(try fixture.store.find(id: id)?.policies.credits == nil)
        #expect(fixture.send("PATCH", "/v1/plans/pro", json: "{}").status == 400)
        #expect(fixture.send("PATCH", "/v1/plans/none", json: #"{"limits":[]}"#).status == 404)
        #expect(fixture.send("DELETE", "/v1/plans/pro").status == 400)  // a key is on it
        #expect(fixture.send("PATCH", "/v1/keys/\(id)", json: #"{"plan":null}"#).status == 200)
        #expect(fixture.send("DELETE", "/v1/plans/pro").status == 204)
        #expect(fixture.send("DELETE", "/v1/plans/pro").status == 404)
        let reader = try fixture.adminKey(["plans:read"])
        #expect(fixture.send("POST", "/v1/plans", json: #"{"name":"x"}"#, as: reader).status == 403)
    }
}

/// What the fake gate was asked.
final class RequestBox: @unchecked Sendable {
    var request: AuthRequest?
}
