extension AuthRequest {
    /// Reads a request from FastCGI params as nginx (`fastcgi_params`) and Apache send them.
    ///
    /// The route's required scopes come from the `KEYGATE_SCOPE` param (`fastcgi_param KEYGATE_SCOPE "reports:read";`).
    /// Role AUTHORIZER means an Apache authorizer, which only allows on exactly 200 (mod_fcgid's access checker
    /// when `FCGI_APACHE_ROLE` says so); a RESPONDER is nginx. With `explaining` (the `keygate-explain` process),
    /// every request is the explain pass's, read-only.
    public init(fastCGI request: FastCGIRequest, explaining: Bool = false) {
        // Every param read is found in one pass over the pairs; strings are built only for those used.
        let params = request.params
        var found = FoundParams()
        params.forEachName { name, index in
            if let which = FastCGIName.of(name), found[which] < 0 { found[which] = index }
        }
        func param(_ name: FastCGIName) -> String? {
            let index = found[name]
            return index < 0 ? nil : params.value(atEntry: index)
        }
        func param(_ name: FastCGIName, is literal: StaticString) -> Bool {
            let index = found[name]
            return index >= 0 && params.value(atEntry: index, is: literal)
        }
        var uri = param(.requestURI)
        if uri == nil || uri!.isEmpty {
            let path = (param(.scriptName) ?? "") + (param(.pathInfo) ?? "")
            let query = param(.queryString) ?? ""
            uri = (path.isEmpty ? "/" : path) + (query.isEmpty ? "" : "?" + query)
        }
        self.init(
            authorization: param(.httpAuthorization),
            apiKeyHeader: param(.httpXAPIKey),
            uri: uri!,
            method: param(.requestMethod) ?? "GET",
            remoteAddress: param(.remoteAddr),
            forwardedFor: param(.httpXForwardedFor),
            origin: param(.httpOrigin),
            // Apache renames a request's environment REDIRECT_* on an internal redirect (the ErrorDocument pass).
            requiredScopes: (param(.keygateScope) ?? param(.redirectKeygateScope)).map { ScopeSet.parse($0) } ?? [],
            profile: .fastCGI(
                explaining
                    ? .apacheExplain
                    : request.role != .authorizer
                        ? .nginx
                        : param(.fcgiApacheRole, is: "ACCESS_CHECKER") ? .apacheAccessChecker : .apacheAuthorizer,
                limitDenyStatus: param(.keygateDenyStatus, is: "403") ? 403 : 429),
            // An empty or malformed KEYGATE_COST (an unset nginx variable) counts as the default cost of 1.
            cost: (param(.keygateCost) ?? param(.redirectKeygateCost)).flatMap {
                $0.isEmpty ? nil : try? PolicySet.parseCost($0)
            } ?? 1,
            // A read-only explain: the decision and headers, consuming nothing (set by server config, never by clients).
            dryRun: explaining || param(.keygateDryRun, is: "1"))
        self.redirectStatus = param(.redirectStatus).flatMap { Int($0) }
        self.requestID = param(.httpXRequestID)
    }

    /// The params ``init(fastCGI:)`` reads.
    enum FastCGIName: CaseIterable {
        case requestURI, scriptName, pathInfo, queryString, httpAuthorization, httpXAPIKey, requestMethod, remoteAddr
        case httpXForwardedFor, httpOrigin, keygateScope, redirectKeygateScope, fcgiApacheRole, keygateCost
        case redirectKeygateCost, keygateDenyStatus, keygateDryRun, redirectStatus, httpXRequestID

        /// The param named exactly `name`, by its length first.
        static func of(_ name: UnsafeRawBufferPointer) -> FastCGIName? {
            @inline(__always) func named(_ literal: StaticString) -> Bool { FastCGIParams.equals(name, literal) }
            switch name.count {
            case 9: if named("PATH_INFO") { return .pathInfo }
            case 11:
                if named("REQUEST_URI") { return .requestURI }
                if named("REMOTE_ADDR") { return .remoteAddr }
                if named("SCRIPT_NAME") { return .scriptName }
                if named("HTTP_ORIGIN") { return .httpOrigin }
            case 12:
                if named("KEYGATE_COST") { return .keygateCost }
                if named("QUERY_STRING") { return .queryString }
            case 13: if named("KEYGATE_SCOPE") { return .keygateScope }
            case 14:
                if named("HTTP_X_API_KEY") { return .httpXAPIKey }
                if named("REQUEST_METHOD") { return .requestMethod }
            case 15:
                if named("REDIRECT_STATUS") { return .redirectStatus }
                if named("KEYGATE_DRY_RUN") { return .keygateDryRun }
            case 16: if named("FCGI_APACHE_ROLE") { return .fcgiApacheRole }
            case 18: if named("HTTP_AUTHORIZATION") { return .httpAuthorization }
            case 17: if named("HTTP_X_REQUEST_ID") { return .httpXRequestID }
            case 19: if named("KEYGATE_DENY_STATUS") { return .keygateDenyStatus }
            case 20: if named("HTTP_X_FORWARDED_FOR") { return .httpXForwardedFor }
            case 21: if named("REDIRECT_KEYGATE_COST") { return .redirectKeygateCost }
            case 22: if named("REDIRECT_KEYGATE_SCOPE") { return .redirectKeygateScope }
            default: break
            }
            return nil
        }
    }

    /// The entry index of each ``FastCGIName``'s first pair, -1 when absent: one named slot per name, inline.
    ///
    /// Every name has its own stored property and the subscript reaches it by an exhaustive `switch`, so no name can
    /// address memory outside the value, in any build configuration (no offset arithmetic, nothing unchecked).
    struct FoundParams {
        private(set) var requestURI = -1
        private(set) var scriptName = -1
        private(set) var pathInfo = -1
        private(set) var queryString = -1
        private(set) var httpAuthorization = -1
        private(set) var httpXAPIKey = -1
        private(set) var requestMethod = -1
        private(set) var remoteAddr = -1
        private(set) var httpXForwardedFor = -1
        private(set) var httpOrigin = -1
        private(set) var keygateScope = -1
        private(set) var redirectKeygateScope = -1
        private(set) var fcgiApacheRole = -1
        private(set) var keygateCost = -1
        private(set) var redirectKeygateCost = -1
        private(set) var keygateDenyStatus = -1
        private(set) var keygateDryRun = -1
        private(set) var redirectStatus = -1
        private(set) var httpXRequestID = -1

        subscript(name: FastCGIName) -> Int {
            get {
                switch name {
                case .requestURI: self.requestURI
                case .scriptName: self.scriptName
                case .pathInfo: self.pathInfo
                case .queryString: self.queryString
                case .httpAuthorization: self.httpAuthorization
                case .httpXAPIKey: self.httpXAPIKey
                case .requestMethod: self.requestMethod
                case .remoteAddr: self.remoteAddr
                case .httpXForwardedFor: self.httpXForwardedFor
                case .httpOrigin: self.httpOrigin
                case .keygateScope: self.keygateScope
                case .redirectKeygateScope: self.redirectKeygateScope
                case .fcgiApacheRole: self.fcgiApacheRole
                case .keygateCost: self.keygateCost
                case .redirectKeygateCost: self.redirectKeygateCost
                case .keygateDenyStatus: self.keygateDenyStatus
                case .keygateDryRun: self.keygateDryRun
                case .redirectStatus: self.redirectStatus
                case .httpXRequestID: self.httpXRequestID
                }
            }
            set {
                switch name {
                case .requestURI: self.requestURI = newValue
                case .scriptName: self.scriptName = newValue
                case .pathInfo: self.pathInfo = newValue
                case .queryString: self.queryString = newValue
                case .httpAuthorization: self.httpAuthorization = newValue
                case .httpXAPIKey: self.httpXAPIKey = newValue
                case .requestMethod: self.requestMethod = newValue
                case .remoteAddr: self.remoteAddr = newValue
                case .httpXForwardedFor: self.httpXForwardedFor = newValue
                case .httpOrigin: self.httpOrigin = newValue
                case .keygateScope: self.keygateScope = newValue
                case .redirectKeygateScope: self.redirectKeygateScope = newValue
                case .fcgiApacheRole: self.fcgiApacheRole = newValue
                case .keygateCost: self.keygateCost = newValue
                case .redirectKeygateCost: self.redirectKeygateCost = newValue
                case .keygateDenyStatus: self.keygateDenyStatus = newValue
                case .keygateDryRun: self.keygateDryRun = newValue
                case .redirectStatus: self.redirectStatus = newValue
                case .httpXRequestID: self.httpXRequestID = newValue
                }
            }
        }
    }
}
