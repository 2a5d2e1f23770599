import CKeygatePQ
import Glibc
import KeygateCore
import KeygateStore

/// One libpq connection to PostgreSQL, opened from a ``KeygateCore/PostgresURL``; closed on deinit.
///
/// Every query is parameterized (`PQexecParams`, text format) and blocks until its answer, or, with an
/// ``answerDeadlineMillis``, until that deadline, after which the connection is given up (a server, or a path to it,
/// that stopped answering must not park the key mirror for good); failures throw ``PostgresError``. Opening waits at
/// most `connect_timeout` seconds (5 unless the URL says otherwise), so that an unreachable server fails at startup. The password comes from the URL, `PGPASSWORD`, `PGPASSFILE`, `passfile=`,
/// or keygate's `password_file=` (its first line); errors never contain it. Not thread-safe.
public final class PostgresConnection {
    /// libpq's connection; owned by this object.
    let handle: OpaquePointer
    /// The URL as it may be shown.
    public let redactedURL: String
    /// Text that must never leave this object: the passwords this connection was given.
    private let secrets: [String]
    /// Seconds `connect_timeout` defaults to.
    public static let defaultConnectTimeoutSeconds = 5
    /// How long one query or script may take, from sending it to its last result; `nil`: as long as it takes.
    public let answerDeadlineMillis: Int32?
    /// Set when an answer missed its deadline: the connection is mid-answer, so every later call throws.
    var abandoned = false

    /// Connects to `url`; each later query waits at most `answerDeadlineMillis` for its answer (`nil`: no limit).
    /// `applicationName` is what `pg_stat_activity` shows unless the URL sets `application_name`. The corresponding C
    /// function is `PQconnectdbParams` (with `expand_dbname`).
    public init(
        url: PostgresURL, answerDeadlineMillis: Int32? = nil, applicationName: String = "keygate"
    ) throws(PostgresError) {
        self.redactedURL = url.redacted
        self.answerDeadlineMillis = answerDeadlineMillis
        var secrets = Self.urlPasswords(url.text)
        var keywords = ["connect_timeout", "fallback_application_name", "dbname"]
        var values = [String(Self.defaultConnectTimeoutSeconds), applicationName, url.connectionURL]
        if let path = url.passwordFile {
            let password = try Self.readPassword(path: path, redactedURL: url.redacted)
            secrets.append(password)
            keywords.append("password")
            values.append(password)
        }
        self.secrets = secrets.filter { !$0.isEmpty }
        let handle = Self.connect(keywords: keywords, values: values)
        guard let handle else { preconditionFailure("PQconnectdbParams returned NULL: out of memory") }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = self.scrubbed(String(cString: PQerrorMessage(handle)))
            throw PostgresError(
                call: "PQconnectdbParams", sqlState: nil,
                message: "cannot connect to \(self.redactedURL): \(message)\(Self.hint(for: message))")
        }
    }

    deinit {
        PQfinish(self.handle)
    }

    private static func connect(keywords: [String], values: [String]) -> OpaquePointer? {
        let keywordPointers = keywords.map { UnsafePointer(strdup($0)) } + [nil]
        let valuePointers = values.map { UnsafePointer(strdup($0)) } + [nil]
        defer {
            for pointer in keywordPointers + valuePointers { free(UnsafeMutablePointer(mutating: pointer)) }
        }
        return PQconnectdbParams(keywordPointers, valuePointers, 1)
    }

    /// What to fix, after libpq's message for a failed connection.
    static func hint(for message: String) -> String {
        if message.contains("password authentication failed") || message.contains("no password supplied") {
            return " (check the password: PGPASSWORD, PGPASSFILE, or passfile= or password_file= in the URL)"
        }
        let unreachable = [
            "timeout expired", "Connection refused", "could not translate host name", "Network is unreachable",
            "No route to host", "received invalid response", "server closed the connection",
        ]
        if unreachable.contains(where: { message.contains($0) }) {
            return " (check the host and port in the URL, and that PostgreSQL runs and accepts connections there)"
        }
        let malformed = [
            "invalid URI", "invalid percent", "invalid connection option", "missing \"=\"", "invalid integer",
        ]
        if malformed.contains(where: { message.contains($0) }) {
            return " (the URL should look like postgresql://USER@HOST:PORT/DATABASE)"
        }
        return ""
    }

    /// The password written in `url`'s user part and `password=` parameter, decoded, if any.
    private static func urlPasswords(_ url: String) -> [String] {
        var passwords: [String] = []
        if let schemeEnd = url.firstRange(of: "://")?.upperBound {
            let rest = url[schemeEnd...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                let raw = authority[authority.index(after: colon)..<at]
                passwords += [String(raw), PostgresURL.percentDecoding(raw)]
            }
        }
        if let mark = url.firstIndex(of: "?") {
            for parameter in url[url.index(after: mark)...].split(separator: "&") where parameter.hasPrefix("password=")
            {
                let raw = parameter.dropFirst("password=".count)
                passwords += [String(raw), PostgresURL.percentDecoding(raw)]
            }
        }
        return passwords
    }

    /// The first line of the file at `path`, without its line end.
    private static func readPassword(path: String, redactedURL: String) throws(PostgresError) -> String {
        guard let file = fopen(path, "r") else {
            let cause = String(cString: strerror(errno))
            throw PostgresError.refusal(
                "open", "cannot read the password_file of \(redactedURL): fopen \(path): \(cause)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        while bytes.count < 4096 {
            let character = fgetc(file)
            if character == EOF || character == 0x0A { break }
            bytes.append(UInt8(truncatingIfNeeded: character))
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `message` with every password of this connection replaced by `***`.
    func scrubbed(_ message: String) -> String {
        var text = message
        for secret in self.secrets {
            text = text.replacing(secret, with: "***")
        }
        while let last = text.last, last == "\n" || last == " " { text.removeLast() }
        return text
    }

    /// Runs `sql` with `$1`… bound to `parameters` and returns its rows. The corresponding C function is
    /// `PQexecParams`; a blob is sent as `bytea` hex text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLValue] = []) throws(PostgresError) -> PostgresResult {
        let texts: [UnsafeMutablePointer<CChar>?] = parameters.map { value in
            switch value {
            case .integer(let number): strdup(String(number))
            case .text(let text): strdup(text)
            case .blob(let bytes): strdup("\\x" + bytes.map { Self.hexDigits($0) }.joined())
            case .null: nil
            }
        }
        defer { for pointer in texts { free(pointer) } }
        let values = texts.map { UnsafePointer($0) }
        guard let deadlineMillis = self.answerDeadlineMillis else {
            let result = values.withUnsafeBufferPointer { values in
                PQexecParams(self.handle, sql, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
            }
            return try self.checked(result, call: "PQexecParams")
        }
        let result = try self.answer(call: "PQsendQueryParams", deadlineMillis: deadlineMillis) {
            values.withUnsafeBufferPointer { values in
                PQsendQueryParams(self.handle, sql, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        return try self.checked(result, call: "PQsendQueryParams")
    }

    /// Runs `sql`, which may hold several statements and no parameters (schema scripts). The corresponding C
    /// function is `PQexec`.
    public func execute(script sql: String) throws(PostgresError) {
        guard let deadlineMillis = self.answerDeadlineMillis else {
            _ = try self.checked(PQexec(self.handle, sql), call: "PQexec")
            return
        }
        let result = try self.answer(call: "PQsendQuery", deadlineMillis: deadlineMillis) {
            PQsendQuery(self.handle, sql)
        }
        _ = try self.checked(result, call: "PQsendQuery")
    }

    /// `result` wrapped, or the error it carries (the result is freed).
    func checked(_ result: OpaquePointer?, call: String) throws(PostgresError) -> PostgresResult {
        guard let result else {
            throw PostgresError(
                call: call, sqlState: nil, message: self.scrubbed(String(cString: PQerrorMessage(self.handle))))
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = self.scrubbed(String(cString: PQresultErrorMessage(result)))
            PQclear(result)
            throw PostgresError(call: call, sqlState: sqlState, message: message)
        }
        return PostgresResult(result)
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// Runs `body` between `BEGIN` and `COMMIT`, rolled back if it throws. Transactions do not nest.
    public func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        precondition(PQtransactionStatus(self.handle) == PQTRANS_IDLE, "transaction started inside a transaction")
        try self.execute(script: "BEGIN")
        do {
            let result = try body()
            try self.execute(script: "COMMIT")
            return result
        } catch {
            // The original error matters more than a failed rollback, which the server completes on disconnect (an
            // abandoned connection refuses it at once).
            try? self.execute(script: "ROLLBACK")
            throw error
        }
    }

    /// Subscribes this connection to notifications on `channel` (a plain identifier). SQL `LISTEN`.
    public func listen(_ channel: String) throws(PostgresError) {
        precondition(channel.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) }, "bad channel \(channel)")
        try self.execute(script: "LISTEN \(channel)")
    }

    /// The notifications received so far, waiting up to `timeoutMillis` for the first when there are none.
    ///
    /// The corresponding C functions are `PQsocket`, `poll`, `PQconsumeInput` and `PQnotifies`. Throws when the
    /// connection is broken: reconnect and read ``PostgresKeyStore/changes(afterVersion:limit:)`` to catch up.
    public func notifications(timeoutMillis: Int32) throws(PostgresError) -> [PostgresNotification] {
        var received = self.drainNotifications()
        guard received.isEmpty else { return received }
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else {
            throw PostgresError(
                call: "PQsocket", sqlState: nil, message: "the connection to \(self.redactedURL) is closed")
        }
        let ready = poll(&descriptor, 1, max(timeoutMillis, 0))
        if ready < 0 && errno != EINTR {
            throw PostgresError(call: "poll", sqlState: nil, message: String(cString: strerror(errno)))
        }
        guard ready > 0 else { return [] }
        guard PQconsumeInput(self.handle) == 1 else {
            throw PostgresError(
                call: "PQconsumeInput", sqlState: nil,
                message: self.scrubbed(String(cString: PQerrorMessage(self.handle))))
        }
        received = self.drainNotifications()
        return received
    }

    private func drainNotifications() -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notification = PQnotifies(self.handle) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }
}

/// One `NOTIFY` a listening connection received.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
}
