import Glibc

/// A thread of its own for a long-running loop beside a process's main one (the agent's key mirror), without
/// Foundation: `pthread_create`, detached.
public enum DetachedThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread, which inherits the caller's signal mask (block signals first).
    public static func start(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw SystemCallError(call: "pthread_create", errno: Errno(result))
        }
        pthread_detach(thread)
    }
}
