import KeygateCore
import KeygateTesting
import Testing

/// The RESP2 codec: commands written as Redis expects them, every reply type read, each reply cut at every byte read
/// as incomplete, and hostile replies refused within the limits instead of trapping or allocating.
struct RESPCodecTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func commandsAreArraysOfBulkStrings() {
        #expect(RESPEncoder.command(["PING"]) == Self.bytes("*1\r\n$4\r\nPING\r\n"))
        #expect(
            RESPEncoder.command(["FCALL", "keygate_lease", "1", "{kid_1}:rate", ""])
                == Self.bytes(
                    "*5\r\n$5\r\nFCALL\r\n$13\r\nkeygate_lease\r\n$1\r\n1\r\n$12\r\n{kid_1}:rate\r\n$0\r\n\r\n"))
        // Binary-safe: a CR LF inside an argument is counted, not interpreted.
        #expect(
            RESPEncoder.command([[0x0D, 0x0A, 0x00]]) == [
                0x2A, 0x31, 0x0D, 0x0A, 0x24, 0x33, 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A,
            ])
    }

    static let replies: [(String, RESPValue)] = [
        ("+OK\r\n", .simple("OK")),
        ("-ERR unknown command 'FCALL'\r\n", .error("ERR unknown command 'FCALL'")),
        (":0\r\n", .integer(0)),
        (":-9223372036854775808\r\n", .integer(.min)),
        (":9223372036854775807\r\n", .integer(.max)),
        ("$5\r\nhello\r\n", .bulk(Self.bytes("hello"))),
        ("$0\r\n\r\n", .bulk([])),
        ("$-1\r\n", .bulk(nil)),
        ("$4\r\na\r\nb\r\n", .bulk(Self.bytes("a\r\nb"))),
        ("*-1\r\n", .array(nil)),
        ("*0\r\n", .array([])),
        (
            "*3\r\n:1\r\n$2\r\nhi\r\n*2\r\n+x\r\n$-1\r\n",
            .array([.integer(1), .bulk(Self.bytes("hi")), .array([.simple("x"), .bulk(nil)])])
        ),
    ]

    @Test func everyReplyTypeIsReadAndEveryPrefixIsIncomplete() {
        for (wire, value) in Self.replies {
            let bytes = Self.bytes(wire)
            #expect(RESPDecoder.decode(bytes) == .reply(value, consumed: bytes.count), "\(wire)")
            // A pipelined next reply is left alone.
            #expect(RESPDecoder.decode(bytes + Self.bytes("+NEXT\r\n")) == .reply(value, consumed: bytes.count))
            for cut in 0..<bytes.count {
                #expect(RESPDecoder.decode(Array(bytes[..<cut])) == .incomplete, "\(wire) cut at \(cut)")
            }
        }
        #expect(RESPValue.integer(7).integer == 7)
        #expect(RESPValue.bulk(Self.bytes("ab")).text == "ab")
        #expect(RESPValue.simple("PONG").text == "PONG")
        #expect(RESPValue.bulk(nil).text == nil)
    }

    @Test(arguments: [
        ("?what\r\n", "unknown reply type byte 63"),
        (":12a\r\n", "integer reply is not a number"),
        (":\r\n", "integer reply is not a number"),
        (":99999999999999999999\r\n", "integer reply is not a number"),
        ("$-2\r\n", "bad bulk string length"),
        ("$3\r\nabcd\r\n", "bulk string not followed by CR LF"),
        ("+OK\rX", "CR not followed by LF"),
        ("+OK\n", "LF without CR"),
        ("*-5\r\n", "bad array length"),
        ("$1048577\r\n", "bulk string of 1048577 bytes exceeds 1048576"),
        ("*4097\r\n", "array of 4097 elements exceeds 4096"),
        ("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "arrays nested deeper than 8"),
    ])
    func hostileRepliesAreRefused(wire: String, reason: String) {
        #expect(RESPDecoder.decode(Self.bytes(wire)) == .invalid(reason))
    }

    @Test func aLongLineIsRefusedBeforeItEnds() {
        let limits = RESPDecoder.Limits(maxLineBytes: 8)
        #expect(
            RESPDecoder.decode(Self.bytes("+12345678\r\n"), limits: limits) == .reply(.simple("12345678"), consumed: 11)
        )
        #expect(RESPDecoder.decode(Self.bytes("+123456789"), limits: limits) == .invalid("line longer than 8 bytes"))
        // A huge announced bulk string is refused from its length line, before any of it arrives.
        #expect(
            RESPDecoder.decode(Self.bytes("$9999999999\r\n"))
                == .invalid("bulk string of 9999999999 bytes exceeds 1048576"))
    }

    @Test func randomBytesNeverTrap() {
        var random = SeededRandom(seed: 0x5EED_2E5B)
        let alphabet = Self.bytes("+-:$*\r\n0123456789-abc")
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<40, using: &random)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &random)! }
            switch RESPDecoder.decode(bytes) {
            case .reply(_, let consumed): #expect(consumed > 0 && consumed <= bytes.count)
            case .incomplete, .invalid: break
            }
        }
    }
}
