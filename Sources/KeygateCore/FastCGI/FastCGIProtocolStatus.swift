/// The `protocolStatus` byte of an END_REQUEST record (FastCGI spec §5.5).
public enum FastCGIProtocolStatus: UInt8, Sendable, CaseIterable {
    /// The request ran to completion (also the answer to ABORT_REQUEST).
    case requestComplete = 0
    /// A second request id arrived on a connection that already carries one.
    case cantMultiplexConnection = 1
    /// The application is out of some resource.
    case overloaded = 2
    /// The role in BEGIN_REQUEST is not one this application plays.
    case unknownRole = 3
}
