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
        for value in values {
            #expect(ByteWriter.decimal(value) == String(value))
        }
    }
}
