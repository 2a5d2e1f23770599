/// A limit, quota, credit or refill spec that does not parse: a usage error naming the input and what is wrong.
///
/// ``description`` is the message for the administrator, e.g.
/// `limit '10/fortnight': unknown unit (use s, min, hour, day)`.
public struct LimitSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the input.
    public enum Reason: Equatable, Sendable {
        /// Not of the expected shape; `expected` describes the shape, e.g. `N/unit, e.g. 100/min`.
        case malformed(expected: String)
        /// A number that is not a whole decimal number (`12a`, `1.5`, `+3`).
        case notANumber(String)
        /// A number below its minimum (`0/min`, `-5/min`, `burst=0`); `what` names it.
        case tooSmall(what: String, minimum: Int64)
        /// A number above its maximum; `what` names it.
        case tooLarge(what: String, maximum: Int64)
        /// A unit not in `allowed`, e.g. `s, min, hour, day`.
        case unknownUnit(allowed: String)
        /// An option other than `burst=N` after a comma.
        case unknownOption(String)
        /// An option given twice.
        case duplicateOption(String)
        /// A refill day outside 1-31, or a refill day on a daily refill.
        case invalidRefillDay
        /// A policy name that is empty, longer than 64 characters or not printable ASCII.
        case invalidName
    }

    /// What kind of spec: `limit`, `quota`, `credits`, `refill`, `cost` or `name`.
    public var kind: String
    /// The input, verbatim.
    public var input: String
    public var reason: Reason

    public init(kind: String, input: String, reason: Reason) {
        self.kind = kind
        self.input = input
        self.reason = reason
    }

    public var description: String {
        let detail: String
        switch self.reason {
        case .malformed(let expected): detail = "expected \(expected)"
        case .notANumber(let text): detail = "'\(text)' is not a whole number"
        case .tooSmall(let what, let minimum): detail = "\(what) must be at least \(minimum)"
        case .tooLarge(let what, let maximum): detail = "\(what) must be at most \(maximum)"
        case .unknownUnit(let allowed): detail = "unknown unit (use \(allowed))"
        case .unknownOption(let option): detail = "unknown option '\(option)' (use burst=N)"
        case .duplicateOption(let option): detail = "option '\(option)' given twice"
        case .invalidRefillDay: detail = "the refill day must be 1-31, and only N/month takes one"
        case .invalidName: detail = "a policy name must be 1-64 printable ASCII characters"
        }
        return "\(self.kind) '\(self.input)': \(detail)"
    }
}
