import CKeygateCrypto

/// Reads OpenSSL's per-thread error queue (`ERR_get_error`, `ERR_error_string_n`).
enum OpenSSLErrorQueue {
    /// Removes every queued error and returns their texts joined with `; `.
    static func drain() -> String {
        var texts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            }
            texts.append(text)
        }
        return texts.isEmpty ? "OpenSSL queued no error" : texts.joined(separator: "; ")
    }
}
