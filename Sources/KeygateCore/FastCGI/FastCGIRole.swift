/// The role a web server asks the application to play for one request (FastCGI spec §6).
public enum FastCGIRole: UInt16, Sendable {
    /// nginx `fastcgi_pass` and `auth_request`: an ordinary CGI-style request.
    case responder = 1
    /// Apache mod_fcgid and mod_authnz_fcgi: allow with 200, deny with anything else.
    case authorizer = 2
    /// Never accepted: answered with END_REQUEST{UNKNOWN_ROLE}.
    case filter = 3
}
