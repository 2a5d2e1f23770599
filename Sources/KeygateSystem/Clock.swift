import Glibc

/// Reads the clocks the server needs; the decision logic itself takes time as an argument.
public enum Clock {
    /// Wall-clock seconds since the epoch (for expiry and last-used).
    @inline(__always)
    public static func nowSeconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        return Int64(spec.tv_sec)
    }

    /// Wall-clock microseconds since the epoch (for rate limits, quotas and credits).
    @inline(__always)
    public static func nowMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }

    /// Monotonic milliseconds (for timeouts; immune to clock steps).
    @inline(__always)
    public static func monotonicMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Monotonic nanoseconds (for durations: the vDSO's precise clock, about 20 ns a read).
    @inline(__always)
    public static func monotonicNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
