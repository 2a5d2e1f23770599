import Glibc

/// Reads OpenSSL's per-thread error queue (`ERR_get_error`, `ERR_error_string_n`).
///
/// `CKeygateCrypto/shim.h` does not include `<openssl/err.h>`, so the two functions are resolved once with `dlsym`
/// from the already linked libcrypto and called through C function pointers (the C calling convention, unlike
/// `@_silgen_name`). If they cannot be found, the detail says so instead of failing.
enum OpenSSLErrorQueue {
    private typealias GetError = @convention(c) () -> UInt
    private typealias ErrorString = @convention(c) (UInt, UnsafeMutablePointer<CChar>?, Int) -> Void

    /// `ERR_get_error`, resolved on first use.
    private static let getError: GetError? = Self.symbol("ERR_get_error", as: GetError.self)
    /// `ERR_error_string_n`, resolved on first use.
    private static let errorString: ErrorString? = Self.symbol("ERR_error_string_n", as: ErrorString.self)

    /// Removes every queued error and returns their texts joined with `; `.
    static func drain() -> String {
        guard let getError = Self.getError, let errorString = Self.errorString else {
            return "OpenSSL error text unavailable (ERR_get_error not found)"
        }
        var texts: [String] = []
        while true {
            let code = getError()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
                errorString(code, pointer.baseAddress, pointer.count)
                return String(cString: pointer.baseAddress!)
            }
            texts.append(text)
        }
        return texts.isEmpty ? "OpenSSL queued no error" : texts.joined(separator: "; ")
    }

    private static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
        // RTLD_DEFAULT is ((void *) 0) in glibc: search every object loaded at startup, libcrypto among them.
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }
}
