/// The `type` byte of a FastCGI record header (FastCGI spec §8).
public enum FastCGIRecordType: UInt8, Sendable, CaseIterable {
    case beginRequest = 1
    case abortRequest = 2
    case endRequest = 3
    case params = 4
    case stdin = 5
    case stdout = 6
    case stderr = 7
    case data = 8
    case getValues = 9
    case getValuesResult = 10
    case unknownType = 11
}
