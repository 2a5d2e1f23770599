import Foundation
import KeygateStore

/// A request body parsed strictly: one JSON object whose every field is known and of the expected type.
///
/// Foundation's `JSONDecoder` does the parsing (bad JSON is a 400 naming where); this type does the strictness: an
/// unknown field, a duplicate-free but wrongly typed value, or a number that is not an integer is a 400 naming the
/// field, before anything is written.
struct AdminJSONInput {
    /// One JSON value.
    indirect enum Value: Decodable, Equatable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([Value].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: Value].self))
            }
        }

        /// The value as JSON text (for metadata, which is stored as text).
        var jsonValue: JSONValue {
            switch self {
            case .null: .null
            case .bool(let value): .bool(value)
            case .integer(let value): .int(value)
            case .number(let value): .raw("\(value)")
            case .string(let value): .string(value)
            case .array(let values): .array(values.map(\.jsonValue))
            case .object(let fields): .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.jsonValue) })
            }
        }

        var typeName: String {
            switch self {
            case .null: "null"
            case .bool: "a boolean"
            case .integer, .number: "a number"
            case .string: "a string"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    private let fields: [String: Value]
    /// What field names are reported under (`credits.` for a nested object).
    private var prefix = ""

    /// Parses `body` as one object with only `allowed` fields; an empty body is an empty object when `emptyIsEmpty`.
    init(_ body: [UInt8], allowed: Set<String>, emptyIsEmpty: Bool = false) throws(AdminProblem) {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) && emptyIsEmpty {
            self.fields = [:]
            return
        }
        let value: Value
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(body))
        } catch {
            throw AdminProblem(
                400, "invalid-json", "Invalid JSON", "the body is not valid JSON (\(Self.describe(error)))")
        }
        guard case .object(let fields) = value else {
            throw AdminProblem(
                400, "invalid-json", "Invalid JSON", "the body must be a JSON object, not \(value.typeName)")
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AdminProblem.invalidField(
                unknown, "unknown field; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        self.fields = fields
    }

    private static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "unreadable" }
        switch decoding {
        case .dataCorrupted(let context): return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        default: return "unreadable"
        }
    }

    /// Whether the body has field `name` (even `null`).
    func has(_ name: String) -> Bool { self.fields[name] != nil }

    /// Field `name`: absent is `nil`; `null` only when `nullable` (then `.some(nil)`).
    func string(_ name: String, nullable: Bool = false) throws(AdminProblem) -> String?? {
        switch self.fields[name] {
        case nil: return nil
        case .string(let value)?: return .some(value)
        case .null? where nullable: return .some(nil)
        case let other?: throw AdminProblem.invalidField(self.prefix + name, "must be a string, not \(other.typeName)")
        }
    }

    /// Field `name` as a string (not `null`), or `nil` when absent.
    func text(_ name: String) throws(AdminProblem) -> String? {
        guard let value = try self.string(name) else { return nil }
        return value
    }

    /// Field `name` as a required string.
    func requiredString(_ name: String) throws(AdminProblem) -> String {
        guard let value = try self.text(name) else {
            throw AdminProblem.invalidField(self.prefix + name, "is required")
        }
        return value
    }

    func strings(_ name: String) throws(AdminProblem) -> [String]? {
        switch self.fields[name] {
        case nil: return nil
        case .array(let values)?:
            var strings: [String] = []
            for value in values {
                guard case .string(let text) = value else {
                    throw AdminProblem.invalidField(
                        self.prefix + name, "must be an array of strings, found \(value.typeName)")
                }
                strings.append(text)
            }
            return strings
        case let other?:
            throw AdminProblem.invalidField(self.prefix + name, "must be an array of strings, not \(other.typeName)")
        }
    }

    func integer(_ name: String) throws(AdminProblem) -> Int64? {
        switch self.fields[name] {
        case nil: return nil
        case .integer(let value)?: return value
        case let other?:
            throw AdminProblem.invalidField(self.prefix + name, "must be an integer, not \(other.typeName)")
        }
    }

    /// Field `name` as an object, `.some(nil)` for `null` when `nullable`.
    func object(_ name: String, nullable: Bool = false) throws(AdminProblem) -> [String: Value]?? {
        switch self.fields[name] {
        case nil: return nil
        case .object(let value)?: return .some(value)
        case .null? where nullable: return .some(nil)
        case let other?: throw AdminProblem.invalidField(self.prefix + name, "must be an object, not \(other.typeName)")
        }
    }

    /// A nested object checked the same way (only `allowed` fields).
    static func nested(
        _ fields: [String: Value], field: String, allowed: Set<String>
    ) throws(AdminProblem) -> AdminJSONInput {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw AdminProblem.invalidField(
                "\(field).\(unknown)", "unknown field; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        var nested = AdminJSONInput(fields: fields)
        nested.prefix = field + "."
        return nested
    }

    private init(fields: [String: Value]) { self.fields = fields }
}
