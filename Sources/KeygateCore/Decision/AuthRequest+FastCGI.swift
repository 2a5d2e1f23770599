extension AuthRequest {
    /// Reads a request from FastCGI params as nginx (`fastcgi_params`) and Apache send them.
    ///
    /// The route's required scopes come from the `KEYGATE_SCOPE` param (`fastcgi_param KEYGATE_SCOPE "reports:read";`).
    /// Role AUTHORIZER means an Apache authorizer, which only allows on exactly 200.
    public init(fastCGI request: FastCGIRequest) {
        let params = request.params
        var uri = params["REQUEST_URI"]
        if uri == nil || uri!.isEmpty {
            let path = (params["SCRIPT_NAME"] ?? "") + (params["PATH_INFO"] ?? "")
            let query = params["QUERY_STRING"] ?? ""
            uri = (path.isEmpty ? "/" : path) + (query.isEmpty ? "" : "?" + query)
        }
        self.init(
            authorization: params["HTTP_AUTHORIZATION"],
            apiKeyHeader: params["HTTP_X_API_KEY"],
            uri: uri!,
            method: params["REQUEST_METHOD"] ?? "GET",
            remoteAddress: params["REMOTE_ADDR"],
            forwardedFor: params["HTTP_X_FORWARDED_FOR"],
            origin: params["HTTP_ORIGIN"],
            // Apache renames a request's environment REDIRECT_* on an internal redirect (the ErrorDocument pass).
            requiredScopes: (params["KEYGATE_SCOPE"] ?? params["REDIRECT_KEYGATE_SCOPE"]).map { ScopeSet.parse($0) } ?? [],
            frontEnd: request.role != .authorizer ? .nginx
                : params["FCGI_APACHE_ROLE"] == "ACCESS_CHECKER" ? .apacheAccessChecker : .apacheAuthorizer,
            // An empty or malformed KEYGATE_COST (an unset nginx variable) counts as the default cost of 1.
            cost: (params["KEYGATE_COST"] ?? params["REDIRECT_KEYGATE_COST"]).flatMap { try? PolicySet.parseCost($0) } ?? 1,
            limitDenyStatus: params["KEYGATE_DENY_STATUS"] == "403" ? 403 : 429,
            // A read-only explain: the decision and headers, consuming nothing (set by server config, never by clients).
            dryRun: params["KEYGATE_DRY_RUN"] == "1")
        self.redirectStatus = params["REDIRECT_STATUS"].flatMap { Int($0) }
    }
}
