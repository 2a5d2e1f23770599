/// The request a CGI-capable server hands a CGI program (RFC 3875): meta-variables in the environment, read as the
/// FastCGI params they are under FastCGI (the same names), so that ``AuthRequest/init(fastCGI:explaining:)`` maps
/// both and no second mapping exists.
public enum CGIEnvironment {
    /// The environment's `NAME=value` entries, in order, as one FastCGI RESPONDER request (id 1, not kept).
    ///
    /// The same bounds as a PARAMS stream on a FastCGI connection: the pairs, encoded with their length prefixes, may
    /// hold at most `limits.maxParamsBytes` bytes and `limits.maxParamCount` pairs. An entry without `=` is skipped.
    public static func request(
        _ entries: some Sequence<String>, limits: FastCGILimits
    ) throws(FastCGIError) -> FastCGIRequest {
        var pairs: [(String, String)] = []
        for entry in entries {
            guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
            guard pairs.count < limits.maxParamCount else { throw .tooManyParams(limit: limits.maxParamCount) }
            pairs.append((String(entry[..<equals]), String(entry[entry.utf8.index(after: equals)...])))
        }
        // The kernel already bounds an environment (ARG_MAX); this is the bound a FastCGI peer meets.
        let params = FastCGIParams(pairs)
        guard params.storage.count <= limits.maxParamsBytes else { throw .paramsTooLarge(limit: limits.maxParamsBytes) }
        return FastCGIRequest(requestID: 1, role: .responder, keepConnection: false, params: params)
    }
}
