import KeygateCore
import Testing

struct FastCGIErrorTests {
    static let errors: [FastCGIError] = [
        .unsupportedVersion(2),
        .malformedBeginRequest(contentLength: 7),
        .duplicateBeginRequest(requestID: 1),
        .paramsTooLarge(limit: 65_536),
        .tooManyParams(limit: 512),
        .malformedNameValuePair,
        .unexpectedRecord(type: 6, requestID: 1),
        .managementRecordTooLarge(contentLength: 5000),
        .malformedRecord(type: 3, contentLength: 7),
    ]

    @Test(arguments: Self.errors)
    func descriptionIsOneLogLineNamingTheNumbers(error: FastCGIError) {
        let text = error.description
        #expect(text.hasPrefix("FastCGI "))
        #expect(!text.contains("\n"))
        switch error {
        case .unsupportedVersion(let version): #expect(text.contains("\(version)"))
        case .paramsTooLarge(let limit), .tooManyParams(let limit): #expect(text.contains("\(limit)"))
        case .malformedBeginRequest(let length), .managementRecordTooLarge(let length):
            #expect(text.contains("\(length)"))
        case .unexpectedRecord(let type, let id): #expect(text.contains("type \(type)") && text.contains("\(id)"))
        case .duplicateBeginRequest(let id): #expect(text.contains("\(id)"))
        case .malformedRecord(let type, let length): #expect(text.contains("\(type)") && text.contains("\(length)"))
        case .malformedNameValuePair: #expect(text.contains("name-value"))
        }
    }

    @Test func descriptionsAreDistinct() {
        #expect(Set(Self.errors.map(\.description)).count == Self.errors.count)
    }
}
