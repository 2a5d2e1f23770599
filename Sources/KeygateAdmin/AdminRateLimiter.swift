/// The admin API's own limits, one token bucket per admin key and one per client address, kept in the admin
/// process's memory (it is the only process that serves the admin listener, so they are exact).
///
/// Pure: time is an argument. Buckets idle long enough to be full are dropped when the table grows past
/// ``maximumEntries``, so a stream of new addresses cannot grow it without bound.
struct AdminRateLimiter {
    struct Bucket {
        var tokens: Double
        var updatedMicros: Int64
    }

    /// Requests per second and burst.
    let rate: Double
    let burst: Double
    private var buckets: [String: Bucket] = [:]
    static let maximumEntries = 10_000

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token for `name`; when none is left, how many seconds until one is (the `Retry-After`).
    mutating func take(_ name: String, nowMicros: Int64) -> Int? {
        var bucket = Bucket(tokens: self.tokens(name, nowMicros: nowMicros), updatedMicros: nowMicros)
        defer {
            self.buckets[name] = bucket
            if self.buckets.count > Self.maximumEntries { self.dropFull(nowMicros: nowMicros) }
        }
        guard bucket.tokens >= 1 else {
            return max(1, Int(((1 - bucket.tokens) / self.rate).rounded(.up)))
        }
        bucket.tokens -= 1
        return nil
    }

    /// When `name`'s bucket is empty, how many seconds until it holds a token; `nil` when it has one (nothing taken).
    func wait(_ name: String, nowMicros: Int64) -> Int? {
        let tokens = self.tokens(name, nowMicros: nowMicros)
        return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / self.rate).rounded(.up)))
    }

    /// The tokens `name`'s bucket holds at `nowMicros`: a bucket never used is full.
    private func tokens(_ name: String, nowMicros: Int64) -> Double {
        guard let bucket = self.buckets[name] else { return self.burst }
        let elapsed = Double(max(0, nowMicros - bucket.updatedMicros)) / 1_000_000
        return min(self.burst, bucket.tokens + elapsed * self.rate)
    }

    /// Forgets every bucket that has refilled completely (it would start full anyway).
    private mutating func dropFull(nowMicros: Int64) {
        let fullAfter = self.burst / self.rate
        self.buckets = self.buckets.filter { Double(nowMicros - $0.value.updatedMicros) / 1_000_000 < fullAfter }
    }
}
