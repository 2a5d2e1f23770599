import Foundation
import HTTPTypes
import Hummingbird
import KeygateStore
import Logging
import NIOCore
import NIOPosix

/// The admin listener's HTTP server (Hummingbird, off the request path: it runs in its own process), handing each
/// request to the socket-free ``AdminAPI``.
public enum AdminServer {
    /// Where the admin listener binds: a loopback TCP address or a unix socket.
    public enum Address: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    /// Serves `api` on `address` until SIGTERM or SIGINT; `ready` runs once it accepts connections.
    public static func run(
        address: Address, api: AdminAPI, logger: Logger, ready: @escaping @Sendable () -> Void
    ) throws {
        // One thread does it all: accepts, parses, runs the handler (Swift's tasks run on NIO's event loop instead of
        // libdispatch's pool) and writes. The API runs under a lock anyway, so more threads only add the hand-offs
        // between them, which cost more CPU than an admin request's own work (measured: 235 µs of CPU for a bare
        // GET with the pool, most of it waking threads). Must come before anything asynchronous runs.
        NIOSingletons.groupLoopCountSuggestion = 1
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            logger.warning("admin server: Swift's tasks keep libdispatch's threads (something asynchronous ran first)")
        }
        let locked = LockedAPI(api)
        let responder = CallbackResponder<AdminRequestContext> { request, context in
            try await Self.respond(request, context: context, api: locked)
        }
        let bind: BindAddress =
            switch address {
            case .tcp(let host, let port): .hostname(host, port: port)
            case .unix(let path): .unixDomainSocket(path: path)
            }
        let app = Application(
            responder: responder, configuration: ApplicationConfiguration(address: bind, serverName: nil),
            onServerRunning: { _ in ready() }, logger: logger)
        let finished = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Task {
            do { try await app.runService() } catch { outcome.error = error }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error { throw error }
    }

    private static func respond(
        _ request: Request, context: AdminRequestContext, api: LockedAPI
    ) async throws -> Response {
        let (path, query) = AdminRequest.split(target: request.head.path ?? "/")
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil {
            headers[field.name.canonicalName] = field.value
        }
        var admin = AdminRequest(
            method: request.method.rawValue, path: path, query: query, headers: headers,
            remoteAddress: context.remoteAddress)
        let answer: AdminResponse
        do {
            let body = try await request.body.collect(upTo: AdminAPI.maximumBodyBytes)
            admin.body = Array(body.readableBytesView)
            answer = api.handle(admin)
        } catch is NIOTooManyBytesError {
            answer =
                AdminProblem(
                    413, "body-too-large", "Body too large",
                    "request bodies are limited to \(AdminAPI.maximumBodyBytes) bytes"
                ).response
        }
        var fields = HTTPFields()
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The API behind a lock: its store connection is used by one request at a time.
    private final class LockedAPI: @unchecked Sendable {
        private let lock = NSLock()
        private let api: AdminAPI

        init(_ api: AdminAPI) { self.api = api }

        func handle(_ request: AdminRequest) -> AdminResponse {
            self.lock.lock()
            defer { self.lock.unlock() }
            return self.api.handle(request, nowMicros: Int64(Date().timeIntervalSince1970 * 1_000_000))
        }
    }

    private final class OutcomeBox: @unchecked Sendable {
        var error: (any Error)?
    }
}

/// Hummingbird's request context, with the peer's address for the per-address limit.
struct AdminRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: String

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unix"
    }
}
