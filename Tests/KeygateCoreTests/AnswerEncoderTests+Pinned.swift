extension AnswerEncoderTests {
    /// The bytes each front end got for each case from the code before the reshaping (generated from it once, by
    /// ``wire(_:to:)``, and checked by hand), as pieces to be joined: `"<asker> <case>"`.
    static let pinned: [String: [String]] = [
        // httpNginx
        "httpNginx allow":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n\r\n",
            ],
        "httpNginx allowLimited":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "httpNginx missing":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx malformed":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx unknown":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx revoked":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx expired":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx insufficientScope":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx ipNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx originNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx rateLimited":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx limitsUnavailable":
            [
                "HTTP/1.1 503 Service Unavailable\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginx storeUnavailable":
            [
                "HTTP/1.1 500 Internal Server Error\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        // httpNginxAllow200
        "httpNginxAllow200 allow":
            [
                "HTTP/1.1 200 OK\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 allowLimited":
            [
                "HTTP/1.1 200 OK\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 missing":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 malformed":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 unknown":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 revoked":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 expired":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 insufficientScope":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 ipNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 originNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 rateLimited":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 limitsUnavailable":
            [
                "HTTP/1.1 503 Service Unavailable\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpNginxAllow200 storeUnavailable":
            [
                "HTTP/1.1 500 Internal Server Error\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        // httpCaddy
        "httpCaddy allow":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n\r\n",
            ],
        "httpCaddy allowLimited":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "httpCaddy missing":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy malformed":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy unknown":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy revoked":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy expired":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy insufficientScope":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy ipNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy originNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy rateLimited":
            [
                "HTTP/1.1 429 Too Many Requests\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy limitsUnavailable":
            [
                "HTTP/1.1 503 Service Unavailable\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpCaddy storeUnavailable":
            [
                "HTTP/1.1 500 Internal Server Error\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        // httpTraefik
        "httpTraefik allow":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n\r\n",
            ],
        "httpTraefik allowLimited":
            [
                "HTTP/1.1 204 No Content\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "httpTraefik missing":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik malformed":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik unknown":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik revoked":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik expired":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik insufficientScope":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik ipNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik originNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik rateLimited":
            [
                "HTTP/1.1 429 Too Many Requests\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik limitsUnavailable":
            [
                "HTTP/1.1 503 Service Unavailable\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpTraefik storeUnavailable":
            [
                "HTTP/1.1 500 Internal Server Error\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        // httpEnvoy
        "httpEnvoy allow":
            [
                "HTTP/1.1 200 OK\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy allowLimited":
            [
                "HTTP/1.1 200 OK\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy missing":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy malformed":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy unknown":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy revoked":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy expired":
            [
                "HTTP/1.1 401 Unauthorized\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy insufficientScope":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy ipNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy originNotAllowed":
            [
                "HTTP/1.1 403 Forbidden\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy rateLimited":
            [
                "HTTP/1.1 429 Too Many Requests\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy limitsUnavailable":
            [
                "HTTP/1.1 503 Service Unavailable\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        "httpEnvoy storeUnavailable":
            [
                "HTTP/1.1 500 Internal Server Error\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Cache-Control: no-store\r\n",
                "Content-Length: 0\r\n\r\n",
            ],
        // fastCGINginx
        "fastCGINginx allow":
            [
                "Status: 204\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n\r\n",
            ],
        "fastCGINginx allowLimited":
            [
                "Status: 204\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "fastCGINginx missing":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\n",
            ],
        "fastCGINginx malformed":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\n",
            ],
        "fastCGINginx unknown":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\n",
            ],
        "fastCGINginx revoked":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\n",
            ],
        "fastCGINginx expired":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\n",
            ],
        "fastCGINginx insufficientScope":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\n",
            ],
        "fastCGINginx ipNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\n",
            ],
        "fastCGINginx originNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\n",
            ],
        "fastCGINginx rateLimited":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n\r\n",
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\n",
            ],
        "fastCGINginx limitsUnavailable":
            [
                "Status: 503\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\n",
            ],
        "fastCGINginx storeUnavailable":
            [
                "Status: 500\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\n",
            ],
        // fastCGINginx429
        "fastCGINginx429 allow":
            [
                "Status: 204\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n\r\n",
            ],
        "fastCGINginx429 allowLimited":
            [
                "Status: 204\r\n",
                "X-Keygate-Key-Id: kid_0000000000000001\r\n",
                "X-Keygate-Key-Name: billing\r\n",
                "X-Keygate-Owner: team-billing\r\n",
                "X-Keygate-Scopes: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "fastCGINginx429 missing":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\n",
            ],
        "fastCGINginx429 malformed":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\n",
            ],
        "fastCGINginx429 unknown":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\n",
            ],
        "fastCGINginx429 revoked":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\n",
            ],
        "fastCGINginx429 expired":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\n",
            ],
        "fastCGINginx429 insufficientScope":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\n",
            ],
        "fastCGINginx429 ipNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\n",
            ],
        "fastCGINginx429 originNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\n",
            ],
        "fastCGINginx429 rateLimited":
            [
                "Status: 429\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "X-Keygate-Problem: {\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n\r\n",
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\n",
            ],
        "fastCGINginx429 limitsUnavailable":
            [
                "Status: 503\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\n",
            ],
        "fastCGINginx429 storeUnavailable":
            [
                "Status: 500\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "X-Keygate-Problem: {\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\n",
            ],
        // fastCGIAuthorizer
        "fastCGIAuthorizer allow":
            [
                "Status: 200\r\n",
                "Variable-KEYGATE_KEY_ID: kid_0000000000000001\r\n",
                "Variable-KEYGATE_KEY_NAME: billing\r\n",
                "Variable-KEYGATE_OWNER: team-billing\r\n",
                "Variable-KEYGATE_SCOPES: reports:read invoices:*\r\n\r\n",
            ],
        "fastCGIAuthorizer allowLimited":
            [
                "Status: 200\r\n",
                "Variable-KEYGATE_KEY_ID: kid_0000000000000001\r\n",
                "Variable-KEYGATE_KEY_NAME: billing\r\n",
                "Variable-KEYGATE_OWNER: team-billing\r\n",
                "Variable-KEYGATE_SCOPES: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "fastCGIAuthorizer missing":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\n",
            ],
        "fastCGIAuthorizer malformed":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\n",
            ],
        "fastCGIAuthorizer unknown":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\n",
            ],
        "fastCGIAuthorizer revoked":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\n",
            ],
        "fastCGIAuthorizer expired":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\n",
            ],
        "fastCGIAuthorizer insufficientScope":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\n",
            ],
        "fastCGIAuthorizer ipNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\n",
            ],
        "fastCGIAuthorizer originNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\n",
            ],
        "fastCGIAuthorizer rateLimited":
            [
                "Status: 429\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n\r\n",
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\n",
            ],
        "fastCGIAuthorizer limitsUnavailable":
            [
                "Status: 503\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\n",
            ],
        "fastCGIAuthorizer storeUnavailable":
            [
                "Status: 500\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\n",
            ],
        // fastCGIAccessChecker
        "fastCGIAccessChecker allow":
            [
                "Status: 200\r\n",
                "Variable-KEYGATE_KEY_ID: kid_0000000000000001\r\n",
                "Variable-KEYGATE_KEY_NAME: billing\r\n",
                "Variable-KEYGATE_OWNER: team-billing\r\n",
                "Variable-KEYGATE_SCOPES: reports:read invoices:*\r\n\r\n",
            ],
        "fastCGIAccessChecker allowLimited":
            [
                "Status: 200\r\n",
                "Variable-KEYGATE_KEY_ID: kid_0000000000000001\r\n",
                "Variable-KEYGATE_KEY_NAME: billing\r\n",
                "Variable-KEYGATE_OWNER: team-billing\r\n",
                "Variable-KEYGATE_SCOPES: reports:read invoices:*\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "fastCGIAccessChecker missing":
            [
                "Status: 401\r\n\r\n"
            ],
        "fastCGIAccessChecker malformed":
            [
                "Status: 401\r\n\r\n"
            ],
        "fastCGIAccessChecker unknown":
            [
                "Status: 401\r\n\r\n"
            ],
        "fastCGIAccessChecker revoked":
            [
                "Status: 401\r\n\r\n"
            ],
        "fastCGIAccessChecker expired":
            [
                "Status: 401\r\n\r\n"
            ],
        "fastCGIAccessChecker insufficientScope":
            [
                "Status: 403\r\n\r\n"
            ],
        "fastCGIAccessChecker ipNotAllowed":
            [
                "Status: 403\r\n\r\n"
            ],
        "fastCGIAccessChecker originNotAllowed":
            [
                "Status: 403\r\n\r\n"
            ],
        "fastCGIAccessChecker rateLimited":
            [
                "Status: 429\r\n\r\n"
            ],
        "fastCGIAccessChecker limitsUnavailable":
            [
                "Status: 503\r\n\r\n"
            ],
        "fastCGIAccessChecker storeUnavailable":
            [
                "Status: 500\r\n\r\n"
            ],
        // fastCGIExplain
        "fastCGIExplain allow":
            [
                "Status: 503\r\n",
                "Retry-After: 1\r\n",
                "X-Keygate-Reason: retry\r\n",
                "Cache-Control: no-store\r\n\r\n",
            ],
        "fastCGIExplain allowLimited":
            [
                "Status: 503\r\n",
                "Retry-After: 1\r\n",
                "X-Keygate-Reason: retry\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=1;t=30, \"1000-per-day\";r=999;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 1\r\n",
                "X-RateLimit-Reset: 30\r\n\r\n",
            ],
        "fastCGIExplain missing":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: missing\r\n",
                "WWW-Authenticate: Bearer realm=\"api\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:missing\",\"title\":\"No API key was sent\",\"status\":401,\"reason\":\"missing\"}\n",
            ],
        "fastCGIExplain malformed":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: malformed\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is malformed\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:malformed\",\"title\":\"The API key is malformed\",\"status\":401,\"reason\":\"malformed\"}\n",
            ],
        "fastCGIExplain unknown":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: unknown\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key is not valid\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:unknown\",\"title\":\"The API key is not valid\",\"status\":401,\"reason\":\"unknown\"}\n",
            ],
        "fastCGIExplain revoked":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: revoked\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has been revoked\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:revoked\",\"title\":\"The API key has been revoked\",\"status\":401,\"reason\":\"revoked\"}\n",
            ],
        "fastCGIExplain expired":
            [
                "Status: 401\r\n",
                "X-Keygate-Reason: expired\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The API key has expired\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:expired\",\"title\":\"The API key has expired\",\"status\":401,\"reason\":\"expired\"}\n",
            ],
        "fastCGIExplain insufficientScope":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: insufficient_scope\r\n",
                "WWW-Authenticate: Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:insufficient_scope\",\"title\":\"The API key lacks a required scope\",\"status\":403,\"reason\":\"insufficient_scope\",\"missing_scopes\":[\"admin\"]}\n",
            ],
        "fastCGIExplain ipNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: ip_not_allowed\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:ip_not_allowed\",\"title\":\"The API key may not be used from this address\",\"status\":403,\"reason\":\"ip_not_allowed\"}\n",
            ],
        "fastCGIExplain originNotAllowed":
            [
                "Status: 403\r\n",
                "X-Keygate-Reason: origin_not_allowed\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:origin_not_allowed\",\"title\":\"The API key may not be used from this origin\",\"status\":403,\"reason\":\"origin_not_allowed\"}\n",
            ],
        "fastCGIExplain rateLimited":
            [
                "Status: 429\r\n",
                "X-Keygate-Reason: rate_limited\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n",
                "RateLimit-Policy: \"2-per-min\";q=2;w=60, \"1000-per-day\";q=1000;w=86400\r\n",
                "RateLimit: \"2-per-min\";r=0;t=60, \"1000-per-day\";r=998;t=57600\r\n",
                "X-RateLimit-Limit: 2\r\n",
                "X-RateLimit-Remaining: 0\r\n",
                "X-RateLimit-Reset: 60\r\n",
                "Retry-After: 30\r\n\r\n",
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"title\":\"Request cannot be satisfied as assigned quota has been exceeded\",\"status\":429,\"violated-policies\":[\"2-per-min\"]}\n",
            ],
        "fastCGIExplain limitsUnavailable":
            [
                "Status: 503\r\n",
                "X-Keygate-Reason: limits_unavailable\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:limits_unavailable\",\"title\":\"The rate-limit counters are unavailable\",\"status\":503,\"reason\":\"limits_unavailable\"}\n",
            ],
        "fastCGIExplain storeUnavailable":
            [
                "Status: 500\r\n",
                "X-Keygate-Reason: store_unavailable\r\n",
                "Content-Type: application/problem+json\r\n",
                "Cache-Control: no-store\r\n\r\n",
                "{\"type\":\"urn:keygate:problem:store_unavailable\",\"title\":\"The key store is unavailable\",\"status\":500,\"reason\":\"store_unavailable\"}\n",
            ],
    ]
}
