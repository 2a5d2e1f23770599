/// One metric family for a scrape: its name, type, help, and samples.
///
/// `name` is the family name as OpenMetrics spells it: a counter's samples add `_total` to it (Prometheus' text format
/// names the family with that suffix), a histogram's add `_bucket`, `_sum` and `_count`.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    public var name: String
    public var kind: Kind
    public var help: String
    /// The unit OpenMetrics announces (`seconds`, `bytes`); the name must end with `_` and the unit.
    public var unit: String?
    public var samples: [MetricSample]

    public init(name: String, kind: Kind, help: String, unit: String? = nil, samples: [MetricSample]) {
        precondition(unit.map { name.hasSuffix("_" + $0) } ?? true, "a family with a unit ends with it")
        self.name = name
        self.kind = kind
        self.help = help
        self.unit = unit
        self.samples = samples
    }
}

/// One sample: a suffix of its family's name (`_total`, `_bucket`, or none), labels in order, and a value.
public struct MetricSample: Sendable, Equatable {
    public var suffix: String
    public var labels: [MetricLabel]
    public var value: MetricValue

    public init(suffix: String = "", labels: [MetricLabel] = [], value: MetricValue) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }
}

public struct MetricLabel: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A sample's value, written exactly: whole counts as integers, durations as decimal seconds from nanoseconds.
public enum MetricValue: Sendable, Equatable {
    case count(UInt64)
    case signed(Int64)
    case nanosecondsAsSeconds(UInt64)

    public var text: String {
        switch self {
        case .count(let value): "\(value)"
        case .signed(let value): "\(value)"
        case .nanosecondsAsSeconds(let nanos): MetricValue.seconds(nanos: nanos)
        }
    }

    /// `nanos` as decimal seconds without an exponent or trailing zeros: 2500 → `0.0000025`, 10^9 → `1`.
    public static func seconds(nanos: UInt64) -> String {
        let whole = nanos / 1_000_000_000
        var fraction = String(nanos % 1_000_000_000)
        guard fraction != "0" else { return "\(whole)" }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}

/// The two text formats a scrape can ask for: Prometheus' text format 0.0.4 and OpenMetrics 1.0.0.
public enum MetricsExposition: Sendable, Equatable {
    case prometheusText
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format an `Accept` header asks for: OpenMetrics when it names `application/openmetrics-text` (with a
    /// nonzero q), else Prometheus' text format.
    public static func negotiated(accept: String?) -> MetricsExposition {
        guard let accept else { return .prometheusText }
        for range in accept.split(separator: ",") {
            let parameters = range.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard parameters.first == "application/openmetrics-text" else { continue }
            let zero = parameters.dropFirst().contains { $0.hasPrefix("q=") && (Double($0.dropFirst(2)) ?? 1) == 0 }
            if !zero { return .openMetrics }
        }
        return .prometheusText
    }

    /// The families as text in this format.
    public func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families {
            let announced = self == .prometheusText && family.kind == .counter ? family.name + "_total" : family.name
            text += "# HELP \(announced) \(Self.escapingHelp(family.help))\n"
            text += "# TYPE \(announced) \(family.kind.rawValue)\n"
            if self == .openMetrics, let unit = family.unit { text += "# UNIT \(announced) \(unit)\n" }
            for sample in family.samples {
                text += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    text += "{"
                    text += sample.labels.map { "\($0.name)=\"\(Self.escapingLabel($0.value))\"" }.joined(
                        separator: ",")
                    text += "}"
                }
                text += " \(sample.value.text)\n"
            }
        }
        if self == .openMetrics { text += "# EOF\n" }
        return text
    }

    /// A label value with `\`, `"` and line feeds escaped, as both formats require.
    static func escapingLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func escapingHelp(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
