extension AuthAnswer {
    /// Appends this answer as an HTTP/1.1 forward-auth response to `head`: never a body (a body makes nginx drop the
    /// kept-alive upstream connection), `Content-Length: 0` on everything but 204, and `Connection: close` only when
    /// the request asked for it. Allow uses the listener's allow status (204, or 200 for Envoy).
    public func appendHTTP(answering head: HTTPRequestHead, style: ForwardAuthStyle, to out: inout [UInt8]) {
        let status = self.status == 204 ? style.allowStatus : self.status
        if let lines = self.headerLines, self.body.isEmpty {
            HTTPResponseWriter.append(
                status: status, lines: lines, keepAlive: head.keepAlive, minorVersion: head.minorVersion, to: &out)
            return
        }
        // The body's media type goes with the body: without one it would only mislead a relaying proxy's client.
        let headers = self.body.isEmpty ? self.headers : self.headers.filter { $0.name != "Content-Type" }
        HTTPResponseWriter.append(
            status: status, headers: headers, keepAlive: head.keepAlive, minorVersion: head.minorVersion, to: &out)
    }
}
