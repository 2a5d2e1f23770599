// libFuzzer entry point for the HTTP head parser; built by http-head.sh together with Sources/KeygateCore/HTTP.
// Traps (and so reports) when the parser crashes or when a connection's verdict depends on where the input is cut.

/// What a connection did with one input.
struct Served: Equatable {
    var heads: [HTTPRequestHead] = []
    var output: [UInt8] = []
    var error: HTTPHeadError?
    var progress = ProtocolProgress.betweenRequests
    var buffered = 0
}

func serve(_ bytes: UnsafeRawBufferPointer, cuts: [Int]) -> Served {
    var connection = HTTPConnection()
    var served = Served()
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        let error = connection.consume(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), output: &served.output) {
            head, output in
            served.heads.append(head)
            HTTPResponseWriter.append(
                status: 204, headers: [], keepAlive: head.keepAlive, minorVersion: head.minorVersion, to: &output)
        }
        if let error { served.error = error }
        start = end
    }
    served.progress = connection.progress
    served.buffered = connection.bufferedByteCount
    return served
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let parsed = HTTPHeadParser.parse(bytes, limits: HTTPHeadLimits())
    if case .complete(_, let consumed) = parsed { precondition(consumed <= size) }
    let whole = serve(bytes, cuts: [])
    let half = serve(bytes, cuts: size > 1 ? [size / 2] : [])
    precondition(whole == half, "verdict depends on the cut")
    var thirds: [Int] = []
    if size > 2 { thirds = [size / 3, 2 * size / 3] }
    precondition(serve(bytes, cuts: thirds) == whole, "verdict depends on the cuts")
    switch parsed {
    case .complete(let head, _): precondition(whole.heads.first == head)
    case .invalid(let error): precondition(whole.heads.isEmpty && whole.error == error)
    case .incomplete: precondition(whole.heads.isEmpty && whole.error == nil)
    }
    return 0
}
