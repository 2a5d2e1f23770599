/// Checks on the values of the framing fields: Content-Length and Connection.
enum HTTPFieldValue {
    /// Why a Content-Length value (OWS already trimmed) is refused, or nil for a plain decimal 0 (leading zeros
    /// allowed). Not digits only → invalid; too large for an Int → invalid; any other number → a body.
    static func contentLengthError(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> HTTPHeadError? {
        guard start < end else { return .invalidContentLength }
        var value = 0
        for index in start..<end {
            let byte = bytes[index]
            guard HTTPByte.isDigit(byte) else { return .invalidContentLength }
            let (tenfold, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = tenfold.addingReportingOverflow(Int(byte &- HTTPByte.zero))
            guard !overflow && !carry else { return .invalidContentLength }
            value = sum
        }
        return value == 0 ? nil : .bodyNotAllowed
    }

    /// Which of the options `close` and `keep-alive` a Connection value lists (comma-separated, case-insensitive,
    /// whitespace around elements ignored; other options such as `upgrade` are ignored).
    static func connectionOptions(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int)
        -> (close: Bool, keepAlive: Bool)
    {
        var close = false
        var keepAlive = false
        var elementStart = start
        while elementStart <= end {
            var elementEnd = elementStart
            while elementEnd < end && bytes[elementEnd] != HTTPByte.comma { elementEnd += 1 }
            var first = elementStart
            var last = elementEnd
            while first < last && HTTPByte.isWhitespace(bytes[first]) { first += 1 }
            while last > first && HTTPByte.isWhitespace(bytes[last - 1]) { last -= 1 }
            switch last - first {
            case 5: close = close || HTTPByte.matches(bytes, at: first, "close")
            case 10: keepAlive = keepAlive || HTTPByte.matches(bytes, at: first, "keep-alive")
            default: break
            }
            elementStart = elementEnd + 1
        }
        return (close, keepAlive)
    }
}
