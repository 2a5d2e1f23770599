/// The `Origin` values a key may be limited to (`--allow-origin`, the admin API's `allowed_origins`).
public enum AllowedOrigin {
    /// `text` as an allowed origin, `scheme://host[:port]` with a trailing `/` dropped; `nil` when it is not one.
    public static func normalized(_ text: String) -> String? {
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), !text.contains(" "),
            text.split(separator: "/").count == 2
        else { return nil }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
