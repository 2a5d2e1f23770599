/// Writes Redis commands as RESP arrays of bulk strings (the only form a client sends).
public enum RESPEncoder {
    /// `*N\r\n` then `$len\r\narg\r\n` per argument.
    public static func command(_ arguments: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + arguments.reduce(0) { $0 + $1.count + 16 })
        out.append(UInt8(ascii: "*"))
        out += String(arguments.count).utf8
        out += [0x0D, 0x0A]
        for argument in arguments {
            out.append(UInt8(ascii: "$"))
            out += String(argument.count).utf8
            out += [0x0D, 0x0A]
            out += argument
            out += [0x0D, 0x0A]
        }
        return out
    }

    /// ``command(_:)`` with each argument's UTF-8.
    public static func command(_ arguments: [String]) -> [UInt8] {
        Self.command(arguments.map { Array($0.utf8) })
    }
}
