/// Which front end asks keygate: nginx, a forward-auth proxy, or one of Apache's FastCGI roles.
///
/// It decides where an HTTP listener reads the original request from; everything about the answer's shape is in
/// the ``FrontEndProfile`` resolved from it once per listener or FastCGI role.
public enum FrontEnd: String, Sendable, CaseIterable {
    /// nginx `auth_request` (HTTP, or FastCGI RESPONDER): original request in `X-Original-URI`/`-Method`.
    case nginx
    /// Caddy `forward_auth`: original request in `X-Forwarded-Uri`/`-Method`; denials are relayed.
    case caddy
    /// Traefik ForwardAuth: as Caddy.
    case traefik
    /// Envoy `ext_authz` (http_service): the request line is the original request; allow must be exactly 200.
    case envoy
    /// An Apache FastCGI authorizer (mod_authnz_fcgi), or lighttpd's (mod_fastcgi `"mode" => "authorizer"`): allow
    /// must be exactly 200; identity as `Variable-*`; both relay a denial's status, headers and body.
    case apacheAuthorizer = "apache-authorizer"
    /// mod_fcgid's `FcgidAccessChecker`: allow is exactly 200; a denial carries nothing, since mod_fcgid turns every
    /// denial into a 401 and leaks every header; the `ErrorDocument 401` explain pass (``apacheExplain``) answers.
    case apacheAccessChecker = "apache-access-checker"
    /// keygate as the `ErrorDocument 401` handler behind mod_fcgid: re-derives the denial read-only and answers it.
    case apacheExplain = "apache-explain"

    /// The front ends an HTTP listener serves (`--listen http://…?for=`).
    public static let httpFrontEnds: [FrontEnd] = [.nginx, .caddy, .traefik, .envoy]
}
