import CKeygatePQ
import Glibc
import KeygateSystem

extension PostgresConnection {
    /// Sends a query with `send` and gathers its answer within ``answerDeadlineMillis``: the last result, or the
    /// first that failed. Past the deadline the connection is abandoned (a late answer would be taken for the next
    /// query's) and the error says so; the caller drops it and connects again.
    ///
    /// The corresponding C functions are `PQsendQuery`/`PQsendQueryParams`, `PQsocket`, `poll`, `PQconsumeInput`,
    /// `PQisBusy` and `PQgetResult`. Sending does not wait on the server: a query is a few hundred bytes, far less
    /// than the socket's buffer, and a connection never has more than one query unanswered.
    func answer(call: String, deadlineMillis: Int32, send: () -> Int32) throws(PostgresError) -> OpaquePointer? {
        guard !self.abandoned else {
            throw PostgresError(
                call: call, sqlState: nil, message: "the connection to \(self.redactedURL) was given up")
        }
        guard send() == 1 else {
            throw PostgresError(
                call: call, sqlState: nil, message: self.scrubbed(String(cString: PQerrorMessage(self.handle))))
        }
        let deadline = Clock.monotonicMillis() + Int64(deadlineMillis)
        var kept: OpaquePointer?
        while true {
            while PQisBusy(self.handle) == 1 {
                do throws(PostgresError) {
                    try self.awaitInput(deadline: deadline, deadlineMillis: deadlineMillis)
                } catch {
                    PQclear(kept)
                    throw error
                }
            }
            guard let result = PQgetResult(self.handle) else { break }
            if let earlier = kept, PQresultStatus(earlier) != PGRES_COMMAND_OK,
                PQresultStatus(earlier) != PGRES_TUPLES_OK
            {
                PQclear(result)  // the first failure is the one to report
            } else {
                PQclear(kept)
                kept = result
            }
        }
        return kept
    }

    /// Waits until the server's answer has more bytes, reads them, or abandons the connection at `deadline`.
    private func awaitInput(deadline: Int64, deadlineMillis: Int32) throws(PostgresError) {
        let remaining = deadline - Clock.monotonicMillis()
        guard remaining > 0 else {
            self.abandoned = true
            throw PostgresError(
                call: "poll", sqlState: nil,
                message: "no answer from \(self.redactedURL) within \(deadlineMillis) ms; the connection is given up")
        }
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else {
            throw PostgresError(
                call: "PQsocket", sqlState: nil, message: "the connection to \(self.redactedURL) is closed")
        }
        let ready = poll(&descriptor, 1, Int32(clamping: remaining))
        if ready < 0 && errno != EINTR {
            throw PostgresError(call: "poll", sqlState: nil, message: String(cString: strerror(errno)))
        }
        guard ready > 0 else { return }
        guard PQconsumeInput(self.handle) == 1 else {
            throw PostgresError(
                call: "PQconsumeInput", sqlState: nil,
                message: self.scrubbed(String(cString: PQerrorMessage(self.handle))))
        }
    }
}
