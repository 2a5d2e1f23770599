import CKeygateLinux

/// Sleeping on a 32-bit word of shared memory until another process changes it (Linux futexes, not private: the
/// word may sit in a mapping several processes share).
public enum Futex {
    /// Sleeps while `word` holds `expected`, at most `timeoutMillis`; returns early when woken, interrupted, or if the
    /// word already differs. The caller reads the word again: a futex wait promises nothing about why it returned.
    public static func wait(_ word: UnsafeMutablePointer<UInt32>, whileEqualTo expected: UInt32, timeoutMillis: Int) {
        _ = CKeygateLinux_futex_wait(word, expected, CInt(clamping: max(timeoutMillis, 0)))
    }

    /// Wakes every process sleeping on `word`.
    public static func wakeAll(_ word: UnsafeMutablePointer<UInt32>) {
        _ = CKeygateLinux_futex_wake(word)
    }
}
