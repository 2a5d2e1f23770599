/// What `keygate` is asked to do, from its arguments, its descriptor 0 and `GATEWAY_INTERFACE`.
///
/// A listening socket on descriptor 0 wins over `GATEWAY_INTERFACE`: mod_fcgid starts its FastCGI copies with a CGI
/// environment too. Descriptor 0 of a CGI program may be a pipe, `/dev/null` or a connected socket (Apache's mod_cgid
/// hands its CGI programs a unix socket), so only a *listening* socket means FastCGI.
public enum StartMode: Equatable, Sendable {
    /// Arguments were given (or nothing says otherwise): the command line decides.
    case commandLine
    /// No arguments and a listening socket on descriptor 0 (FastCGI §2.2: mod_fcgid, spawn-fcgi): serve it here.
    case fastCGI
    /// No arguments, `GATEWAY_INTERFACE` set (RFC 3875 §4.1.4) and no listening socket on descriptor 0: answer the
    /// one CGI request in the environment, then exit.
    case cgi

    /// The mode for `argumentCount` arguments (the program name not counted), whether descriptor 0 is a listening
    /// socket, and the value of `GATEWAY_INTERFACE` (`nil` when unset).
    public static func resolving(
        argumentCount: Int, standardInputIsListeningSocket: Bool, gatewayInterface: String?
    ) -> StartMode {
        guard argumentCount == 0 else { return .commandLine }
        if standardInputIsListeningSocket { return .fastCGI }
        return gatewayInterface == nil ? .commandLine : .cgi
    }
}
