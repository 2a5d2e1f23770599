/// The admin API's OpenAPI 3.1 document, served at `/openapi.json` and written to `docs/admin-openapi.json` by
/// `keygate admin-openapi` (a test keeps the two equal, and another that it lists exactly ``AdminOperation``'s
/// operations).
public enum AdminOpenAPI {
    public static let document = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "keygate admin API",
            "version": "1",
            "description": "Manage keygate's API keys, plans, usage, audit log and admin keys. Every operation but this document needs an admin key (`Authorization: Bearer kgadmin_…`, made with `keygate admin-keys create`) holding the grant named in its description. Errors are RFC 9457 problem documents."
          },
          "servers": [{"url": "http://127.0.0.1:9102"}],
          "security": [{"adminKey": []}],
          "paths": {
            "/": {
              "get": {
                "operationId": "console",
                "summary": "The web console (its page; it asks for an admin key and keeps it in the tab's session storage)",
                "security": [],
                "responses": {"200": {"description": "The console's page", "content": {"text/html": {}}}}
              }
            },
            "/console.js": {
              "get": {
                "operationId": "consoleScript",
                "summary": "The web console's script",
                "security": [],
                "responses": {"200": {"description": "The script", "content": {"text/javascript": {}}}}
              }
            },
            "/console.css": {
              "get": {
                "operationId": "consoleStyle",
                "summary": "The web console's style sheet",
                "security": [],
                "responses": {"200": {"description": "The style sheet", "content": {"text/css": {}}}}
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The document", "content": {"application/json": {}}}}
              }
            },
            "/v1/keys": {
              "get": {
                "operationId": "listKeys",
                "summary": "List keys in creation order, a page at a time (grant keys:read)",
                "parameters": [
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                  {"name": "cursor", "in": "query", "description": "next_cursor of the previous page", "schema": {"type": "string"}},
                  {"name": "owner", "in": "query", "schema": {"type": "string"}},
                  {"name": "status", "in": "query", "description": "default: every key but revoked ones", "schema": {"enum": ["active", "disabled", "revoked", "all"]}},
                  {"name": "name_prefix", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": {
                  "200": {"description": "A page of keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyPage"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "post": {
                "operationId": "createKey",
                "summary": "Create a key; its secret is in this answer only (grant keys:create)",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "description": "A retry with the same key and body answers 200 with the key made the first time (without its secret, which is never stored), for 24 hours", "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyCreate"}}}},
                "responses": {
                  "201": {"description": "The key and its secret (`key`)", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}, "Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyWithSecret"}}}},
                  "200": {"description": "An Idempotency-Key replay: the key made the first time, without its secret", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/verify": {
              "post": {
                "operationId": "verifyKey",
                "summary": "The gate's decision for a request with this key: spends from its limits, quotas and credits and counts in its usage as a request through nginx would (grant keys:verify)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["key"], "properties": {"key": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}, "cost": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}, "ip": {"type": "string", "description": "The end user's address, for keys limited to networks (default: the caller's)"}, "origin": {"type": "string"}}}}}},
                "responses": {
                  "200": {"description": "The decision, as a value", "content": {"application/json": {"schema": {"type": "object", "required": ["valid", "outcome", "status", "key_id", "owner", "headers"], "properties": {"valid": {"type": "boolean"}, "outcome": {"type": "string", "examples": ["allow", "unknown", "revoked", "insufficient_scope", "rate_limited"]}, "status": {"type": "integer", "description": "What a forward-auth client would get: 200, 401, 403 or 429"}, "key_id": {"type": ["string", "null"]}, "owner": {"type": ["string", "null"]}, "headers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "RateLimit-* fields, Retry-After, identity headers"}}}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/{id}": {
              "parameters": [{"$ref": "#/components/parameters/KeyID"}],
              "get": {
                "operationId": "getKey",
                "summary": "One key (grant keys:read)",
                "parameters": [{"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
                "responses": {
                  "200": {"description": "The key", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}},
                  "304": {"description": "Unchanged since the ETag in If-None-Match"},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "patch": {
                "operationId": "updateKey",
                "summary": "Change a key's properties (grant keys:update)",
                "parameters": [{"name": "If-Match", "in": "header", "description": "The ETag the change is based on; 412 if the key changed since", "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyUpdate"}}}},
                "responses": {
                  "200": {"description": "The key as changed", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "412": {"$ref": "#/components/responses/Problem"}, "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "delete": {
                "operationId": "deleteKey",
                "summary": "Delete a key and free its slot; its audit entries stay (grant keys:delete)",
                "responses": {
                  "204": {"description": "Deleted"},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/{id}/rotate": {
              "parameters": [{"$ref": "#/components/parameters/KeyID"}],
              "post": {
                "operationId": "rotateKey",
                "summary": "Give a key a new secret; the old one works for `grace` more (grant keys:rotate)",
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"grace": {"type": "string", "examples": ["24h"]}}}}}},
                "responses": {
                  "200": {"description": "The key and its new secret (`key`)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyWithSecret"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/{id}/revoke": {
              "parameters": [{"$ref": "#/components/parameters/KeyID"}],
              "post": {
                "operationId": "revokeKey",
                "summary": "Revoke a key for good (grant keys:revoke)",
                "responses": {
                  "200": {"description": "The revoked key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Key"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/{id}/usage": {
              "parameters": [{"$ref": "#/components/parameters/KeyID"}],
              "get": {
                "operationId": "keyUsage",
                "summary": "A key's requests per UTC day, one entry per day (grant usage:read)",
                "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30}}],
                "responses": {
                  "200": {"description": "Oldest day first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Usage"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/keys/{id}/limits": {
              "parameters": [{"$ref": "#/components/parameters/KeyID"}],
              "get": {
                "operationId": "keyLimits",
                "summary": "A key's limits as they stand now, nothing spent (grant keys:read)",
                "responses": {
                  "200": {"description": "One entry per limit, in the order the key's limits are kept", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Limits"}}}},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "404": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/audit": {
              "get": {
                "operationId": "listAudit",
                "summary": "The audit log, newest first (grant audit:read)",
                "parameters": [
                  {"name": "key_id", "in": "query", "schema": {"type": "string"}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
                ],
                "responses": {
                  "200": {"description": "Entries", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Audit"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/plans": {
              "get": {
                "operationId": "listPlans",
                "summary": "Every plan (grant plans:read)",
                "responses": {
                  "200": {"description": "Plans by name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plans"}}}},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "post": {
                "operationId": "createPlan",
                "summary": "Create a plan (grant plans:create)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {"name": {"type": "string"}, "limits": {"type": "array", "items": {"type": "string"}}, "quotas": {"type": "array", "items": {"type": "string"}}, "credits": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Credits"}]}}}}}},
                "responses": {
                  "201": {"description": "The plan", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/plans/{name}": {
              "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
              "patch": {
                "operationId": "updatePlan",
                "summary": "Replace a plan's limits, quotas or credits; keys on it follow at once (grant plans:update)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "minProperties": 1, "properties": {"limits": {"type": "array", "items": {"type": "string"}}, "quotas": {"type": "array", "items": {"type": "string"}}, "credits": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Credits"}]}}}}}},
                "responses": {
                  "200": {"description": "The plan as changed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "delete": {
                "operationId": "deletePlan",
                "summary": "Delete a plan no key is on (grant plans:delete)",
                "responses": {
                  "204": {"description": "Deleted"},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/decisions": {
              "get": {
                "operationId": "decisionCounts",
                "summary": "Decisions this host made since keygate started, by outcome (grant metrics:read); the console turns two readings into rates",
                "responses": {
                  "200": {"description": "Counts by outcome (allow, missing, malformed, unknown, revoked, rate_limited, …)", "content": {"application/json": {"schema": {"type": "object", "required": ["at_ms", "decisions"], "properties": {"at_ms": {"type": "integer"}, "decisions": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/admin-keys": {
              "get": {
                "operationId": "listAdminKeys",
                "summary": "Every admin key, revoked ones included (grant admin-keys:read)",
                "responses": {
                  "200": {"description": "Admin keys", "content": {"application/json": {"schema": {"type": "object", "required": ["admin_keys"], "properties": {"admin_keys": {"type": "array", "items": {"$ref": "#/components/schemas/AdminKey"}}}}}}},
                  "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              },
              "post": {
                "operationId": "createAdminKey",
                "summary": "Create an admin key with grants the caller holds itself (grant admin-keys:create)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["name", "grants"], "properties": {"name": {"type": "string"}, "grants": {"type": "array", "minItems": 1, "items": {"type": "string", "examples": ["keys:create", "keys:*", "*"]}}}}}}},
                "responses": {
                  "201": {"description": "The admin key and its secret (`secret`), shown once", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/AdminKey"}, {"type": "object", "required": ["secret"], "properties": {"secret": {"type": "string"}}}]}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/v1/admin-keys/{id}/revoke": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^adm_[0-9A-Za-z]{16}$"}}],
              "post": {
                "operationId": "revokeAdminKey",
                "summary": "Revoke an admin key for good (grant admin-keys:revoke)",
                "responses": {
                  "200": {"description": "The revoked admin key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdminKey"}}}},
                  "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
                  "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {"adminKey": {"type": "http", "scheme": "bearer", "description": "An admin key, kgadmin_…"}},
            "parameters": {"KeyID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^kid_[0-9A-Za-z]{16}$"}}},
            "headers": {"ETag": {"description": "The key's entity tag, for If-Match and If-None-Match", "schema": {"type": "string"}}},
            "responses": {
              "Problem": {"description": "An RFC 9457 problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
            "schemas": {
              "Problem": {
                "type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": {"type": "string", "description": "urn:keygate:problem:CODE"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}
              },
              "Policies": {
                "type": "object", "required": ["limits", "quotas", "credits"],
                "properties": {
                  "limits": {"type": "array", "items": {"type": "string", "examples": ["100/s", "1000/min,burst=50"]}},
                  "quotas": {"type": "array", "items": {"type": "string", "examples": ["1000000/month"]}},
                  "credits": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Credits"}]}
                }
              },
              "Credits": {
                "type": "object", "additionalProperties": false, "required": ["initial"],
                "properties": {"initial": {"type": "integer", "minimum": 0}, "refill": {"type": "string", "examples": ["1000/month"]}}
              },
              "Key": {
                "type": "object",
                "required": ["id", "name", "owner", "prefix", "status", "scopes", "created_at", "expires_at", "last_used_at", "allowed_ips", "allowed_origins", "metadata", "plan", "policies"],
                "properties": {
                  "id": {"type": "string"}, "name": {"type": "string"}, "owner": {"type": "string"},
                  "prefix": {"type": "string", "description": "The secret's first characters, to recognise it"},
                  "status": {"enum": ["active", "disabled", "revoked"]},
                  "scopes": {"type": "array", "items": {"type": "string"}},
                  "created_at": {"type": "string", "format": "date-time"},
                  "expires_at": {"type": ["string", "null"], "format": "date-time"},
                  "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                  "allowed_ips": {"type": "array", "items": {"type": "string"}},
                  "allowed_origins": {"type": "array", "items": {"type": "string"}},
                  "metadata": {"type": "object"},
                  "plan": {"type": ["string", "null"]},
                  "policies": {"$ref": "#/components/schemas/Policies"},
                  "secret_shown": {"type": "boolean", "description": "false on an Idempotency-Key replay"}
                }
              },
              "KeyWithSecret": {
                "allOf": [{"$ref": "#/components/schemas/Key"}, {"type": "object", "required": ["key"], "properties": {"key": {"type": "string", "description": "The secret, shown this once"}}}]
              },
              "KeyCreate": {
                "type": "object", "additionalProperties": false, "required": ["name"],
                "properties": {
                  "name": {"type": "string"}, "owner": {"type": "string"},
                  "scopes": {"type": "array", "items": {"type": "string"}},
                  "expires": {"type": ["string", "null"], "description": "A duration from now (90d) or a UTC date", "examples": ["90d", "2027-01-31"]},
                  "metadata": {"type": "object"},
                  "allowed_ips": {"type": "array", "items": {"type": "string"}},
                  "allowed_origins": {"type": "array", "items": {"type": "string"}},
                  "prefix": {"type": "string", "default": "kg_"},
                  "plan": {"type": "string"},
                  "limits": {"type": "array", "items": {"type": "string"}},
                  "quotas": {"type": "array", "items": {"type": "string"}},
                  "credits": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Credits"}]}
                }
              },
              "KeyUpdate": {
                "type": "object", "additionalProperties": false, "minProperties": 1,
                "properties": {
                  "name": {"type": "string"}, "owner": {"type": "string"},
                  "scopes": {"type": "array", "items": {"type": "string"}},
                  "expires": {"type": ["string", "null"]},
                  "metadata": {"type": "object"},
                  "allowed_ips": {"type": "array", "items": {"type": "string"}},
                  "allowed_origins": {"type": "array", "items": {"type": "string"}},
                  "status": {"enum": ["active", "disabled"]},
                  "plan": {"type": ["string", "null"]},
                  "limits": {"type": "array", "items": {"type": "string"}},
                  "quotas": {"type": "array", "items": {"type": "string"}},
                  "credits": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Credits"}]}
                }
              },
              "KeyPage": {
                "type": "object", "required": ["keys", "next_cursor"],
                "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}, "next_cursor": {"type": ["string", "null"]}}
              },
              "Usage": {
                "type": "object", "required": ["key_id", "days"],
                "properties": {
                  "key_id": {"type": "string"},
                  "days": {"type": "array", "items": {"type": "object", "required": ["day", "admitted", "rejected"], "properties": {"day": {"type": "string", "format": "date"}, "admitted": {"type": "integer"}, "rejected": {"type": "integer"}}}}
                }
              },
              "Limits": {
                "type": "object", "required": ["key_id", "admits_next", "limits"],
                "properties": {
                  "key_id": {"type": "string"},
                  "admits_next": {"type": "boolean"},
                  "limits": {"type": "array", "items": {"type": "object", "required": ["name", "kind", "limit", "remaining", "reset_seconds", "window_seconds"], "properties": {"name": {"type": "string"}, "kind": {"enum": ["rate", "quota", "credits"]}, "limit": {"type": "integer"}, "remaining": {"type": "integer", "minimum": 0}, "reset_seconds": {"type": "integer", "minimum": 0}, "window_seconds": {"type": "integer", "minimum": 0}}}}
                }
              },
              "Audit": {
                "type": "object", "required": ["entries"],
                "properties": {"entries": {"type": "array", "items": {"type": "object", "required": ["seq", "at", "actor", "action", "key_id", "detail"], "properties": {"seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}, "action": {"type": "string"}, "key_id": {"type": ["string", "null"]}, "detail": {"type": "string"}}}}}
              },
              "Plan": {
                "type": "object", "required": ["name", "policies", "created_at"],
                "properties": {"name": {"type": "string"}, "policies": {"$ref": "#/components/schemas/Policies"}, "created_at": {"type": "string", "format": "date-time"}}
              },
              "Plans": {
                "type": "object", "required": ["plans"],
                "properties": {"plans": {"type": "array", "items": {"$ref": "#/components/schemas/Plan"}}}
              },
              "AdminKey": {
                "type": "object", "required": ["id", "name", "grants", "created_at", "revoked_at"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "grants": {"type": "array", "items": {"type": "string"}}, "created_at": {"type": "string", "format": "date-time"}, "revoked_at": {"type": ["string", "null"], "format": "date-time"}}
              }
            }
          }
        }

        """#
}
