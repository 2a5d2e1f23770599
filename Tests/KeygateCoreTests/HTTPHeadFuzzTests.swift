import KeygateCore
import Testing

/// Mutated heads from a seeded generator: the parser never traps, decides the same whole or cut, and reports only
/// what the input holds.
struct HTTPHeadFuzzTests {
    typealias T = HTTPTesting

    static let seeds: [[UInt8]] = HTTPHeadCorpus.valid.filter { $0.bytes.count < 600 }.map(\.bytes)

    /// Bytes that matter to the grammar, inserted more often than random ones.
    static let special: [UInt8] = [0x0D, 0x0A, 0x00, 0x20, 0x09, 0x3A, 0x2C, 0x2F, 0x7F, 0xFF, 0x48]

    /// Damages `bytes` in one to four places.
    static func mutate(_ bytes: inout [UInt8], _ generator: inout T.Generator) {
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { return }
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<8, using: &generator) {
            case 0:
                bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 1:
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            case 2, 3:
                bytes.insert(Self.special.randomElement(using: &generator) ?? 0, at: position)
            case 4:
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...6, using: &generator)))
            case 5:
                bytes.removeSubrange(position...)
            case 6:
                // Duplicate the line around `position`.
                let lineStart = bytes[..<position].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let lineEnd = bytes[position...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
                bytes.insert(contentsOf: bytes[lineStart..<lineEnd], at: lineEnd)
            default:
                // Join two heads: pipelined requests.
                bytes += Self.seeds.randomElement(using: &generator) ?? []
            }
        }
    }

    /// Checks the invariants for one input; returns its verdict.
    @discardableResult
    static func check(_ bytes: [UInt8], _ generator: inout T.Generator) -> HTTPHeadParse {
        let result = T.parse(bytes)
        switch result {
        case .complete(let head, let consumed):
            #expect(consumed <= bytes.count)
            let headBytes = Array(bytes[..<consumed])
            #expect(headBytes.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]))
            #expect(T.contains(headBytes, Array("\(head.method) \(head.target) HTTP/1.\(head.minorVersion)\r\n".utf8)))
            for field in HTTPReadField.allCases {
                guard let value = head[field], !value.unicodeScalars.contains("\u{FFFD}") else { continue }
                #expect(T.contains(headBytes, value.utf8), "\(field.name)")
            }
            // The same bytes cut anywhere give the same head.
            #expect(T.parse(headBytes) == result)
        case .incomplete:
            #expect(bytes.count < HTTPHeadLimits().maxHeadBytes)
        case .invalid:
            break
        }
        let whole = T.serve(bytes)
        let split = T.serve(bytes, cuts: T.randomCuts(count: bytes.count, &generator))
        #expect(split == whole)
        #expect(whole.errorCount <= 1)
        if whole.error != nil { #expect(whole.wantsClose && whole.bufferedByteCount == 0) }
        // The connection's first verdict is the parser's.
        switch result {
        case .complete(let head, _): #expect(whole.heads.first == head)
        case .incomplete: #expect(whole.heads.isEmpty && whole.error == nil && whole.bufferedByteCount == bytes.count)
        case .invalid(let error): #expect(whole.heads.isEmpty && whole.error == error)
        }
        return result
    }

    @Test(arguments: 0..<8)
    func mutatedHeadsNeverTrap(batch: Int) {
        var generator = T.Generator(seed: 0x4854_5450_0000 + UInt64(batch))
        var complete = 0
        var invalid = 0
        var incomplete = 0
        for _ in 0..<2500 {
            var bytes = Self.seeds.randomElement(using: &generator) ?? []
            Self.mutate(&bytes, &generator)
            switch Self.check(bytes, &generator) {
            case .complete: complete += 1
            case .invalid: invalid += 1
            case .incomplete: incomplete += 1
            }
        }
        // Every path is exercised often enough for the invariants to mean something.
        #expect(complete > 300)
        #expect(invalid > 1500)
        #expect(incomplete > 200)
    }

    @Test(arguments: 0..<2)
    func randomBytesNeverTrap(batch: Int) {
        var generator = T.Generator(seed: 0xB17E_5000 + UInt64(batch))
        for _ in 0..<1000 {
            var bytes = Array("GET /".utf8)
            for _ in 0..<Int.random(in: 0...200, using: &generator) {
                bytes.append(
                    Bool.random(using: &generator)
                        ? Self.special.randomElement(using: &generator) ?? 0
                        : UInt8.random(in: 0x20...0x7E, using: &generator))
            }
            Self.check(bytes, &generator)
        }
    }
}
