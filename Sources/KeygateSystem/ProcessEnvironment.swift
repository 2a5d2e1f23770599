import Glibc

/// This process's environment as `NAME=value` entries, in order (read from `environ`).
public enum ProcessEnvironment {
    /// Every entry, at most 100,000 of them.
    public static func entries() -> [String] {
        var entries: [String] = []
        var index = 0
        while index < 100_000, let entry = environ[index] {
            entries.append(String(cString: entry))
            index += 1
        }
        return entries
    }
}
