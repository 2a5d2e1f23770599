import KeygateCore
import Testing

/// Prometheus' text format and OpenMetrics, pinned byte for byte.
struct MetricsExpositionTests {
    static let families = [
        MetricFamily(
            name: "demo_requests", kind: .counter, help: "Requests\nby path \\ kind.",
            samples: [.init(suffix: "_total", labels: [.init("path", "a\"b\\c\nd")], value: .count(3))]),
        MetricFamily(
            name: "demo_latency_seconds", kind: .histogram, help: "Latency.", unit: "seconds",
            samples: [
                .init(suffix: "_bucket", labels: [.init("le", "0.5")], value: .count(1)),
                .init(suffix: "_bucket", labels: [.init("le", "+Inf")], value: .count(2)),
                .init(suffix: "_sum", value: .nanosecondsAsSeconds(1_250_000_000)),
                .init(suffix: "_count", value: .count(2)),
            ]),
    ]

    @Test func prometheusTextNamesCountersWithTotalAndEscapes() {
        #expect(
            MetricsExposition.prometheusText.render(Self.families) == """
                # HELP demo_requests_total Requests\\nby path \\\\ kind.
                # TYPE demo_requests_total counter
                demo_requests_total{path="a\\"b\\\\c\\nd"} 3
                # HELP demo_latency_seconds Latency.
                # TYPE demo_latency_seconds histogram
                demo_latency_seconds_bucket{le="0.5"} 1
                demo_latency_seconds_bucket{le="+Inf"} 2
                demo_latency_seconds_sum 1.25
                demo_latency_seconds_count 2

                """)
    }

    @Test func openMetricsNamesFamiliesWithoutTotalAnnouncesUnitsAndEnds() {
        let text = MetricsExposition.openMetrics.render(Self.families)
        #expect(text.hasPrefix("# HELP demo_requests Requests"))
        #expect(text.contains("# TYPE demo_requests counter\ndemo_requests_total{"))
        #expect(text.contains("# TYPE demo_latency_seconds histogram\n# UNIT demo_latency_seconds seconds\n"))
        #expect(text.hasSuffix("demo_latency_seconds_count 2\n# EOF\n"))
    }

    @Test func acceptPicksOpenMetricsOnlyWhenAskedFor() {
        #expect(MetricsExposition.negotiated(accept: nil) == .prometheusText)
        #expect(MetricsExposition.negotiated(accept: "*/*") == .prometheusText)
        #expect(
            MetricsExposition.negotiated(
                accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                == .openMetrics)
        #expect(MetricsExposition.negotiated(accept: "Application/OpenMetrics-Text ; q=0") == .prometheusText)
        #expect(MetricsExposition.negotiated(accept: "text/plain, application/openmetrics-text") == .openMetrics)
    }

    @Test func secondsAreWrittenExactlyFromNanoseconds() {
        #expect(MetricValue.seconds(nanos: 0) == "0")
        #expect(MetricValue.seconds(nanos: 1_000) == "0.000001")
        #expect(MetricValue.seconds(nanos: 2_500) == "0.0000025")
        #expect(MetricValue.seconds(nanos: 1_000_000_000) == "1")
        #expect(MetricValue.seconds(nanos: 61_000_000_001) == "61.000000001")
    }
}
