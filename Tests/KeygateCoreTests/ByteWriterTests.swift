import Testing

@testable import KeygateCore

struct ByteWriterTests {
    @Test func decimalSpellsAsString() {
        var values: [Int64] = [
            0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, 999_999_999_999_999, .max, .min, -1, -10, -100,
        ]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power]
        }
        // Each bit width's ends: the digit count is estimated from the width.
        for bits in 1..<63 { values += [(1 << bits) - 1, 1 << bits, -(1 << bits)] }
        for value in values {
            #expect(ByteWriter.decimal(value) == String(value))
        }
    }
}

extension ByteWriterTests {
    /// A decimal after other text lands after it (the digits are written backwards from the end of the number).
    @Test func decimalAfterOtherText() {
        let text = ByteWriter.string(capacity: 40) { writer in
            writer.append(literal: "HTTP/1.1 ")
            writer.append(decimal: 299)
            writer.append(literal: "|")
            writer.append(decimal: 7)
        }
        #expect(text == "HTTP/1.1 299|7")
    }
}
