import Foundation
import GraderModel
import GraderStore
import Prometheus

/// The daemon's Prometheus metrics, in a registry of its own (not the process-wide swift-metrics
/// backend, so several daemons can live in one test process).
///
/// Labels never carry a check id: hidden checks' names stay out of anything served.
public final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let store: any DaemonStore

    public init(store: any DaemonStore) {
        self.store = store
    }

    private static let secondsBuckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                                                    .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60),
                                                    .seconds(120), .seconds(300)]

    /// One HTTP request answered: `route` is the matched route's template, never the raw path.
    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(descriptor: .init(namespace: "grader", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by method, route and status"), labels: labels).increment()
        registry.makeDurationHistogram(descriptor: .init(namespace: "grader", metricName: "http_request_duration", unitName: "seconds",
                                                         helpText: "HTTP request latency by route"),
                                       labels: [("route", route)], buckets: Self.secondsBuckets).record(duration)
    }

    /// A grading stored by a worker: its phase durations, check statuses and sandbox verdicts.
    func recordGrading(_ report: GradingReport) {
        let phases = [("queue", report.timings.queueMs), ("compile", report.timings.compileMs),
                      ("checks", report.timings.checksMs), ("race", report.timings.raceMs), ("total", report.timings.totalMs)]
        for (phase, milliseconds) in phases {
            registry.makeDurationHistogram(descriptor: .init(namespace: "grader", metricName: "grading_phase_duration", unitName: "seconds",
                                                             helpText: "Time per grading phase"),
                                           labels: [("phase", phase)], buckets: Self.secondsBuckets)
                .record(.milliseconds(milliseconds))
        }
        registry.makeCounter(descriptor: .init(namespace: "grader", metricName: "gradings", unitName: "total",
                                               helpText: "Gradings stored, by challenge and status"),
                             labels: [("challenge", report.challenge), ("status", report.status.rawValue)]).increment()
        for check in report.checks {
            registry.makeCounter(descriptor: .init(namespace: "grader", metricName: "check_results", unitName: "total",
                                                   helpText: "Check results by challenge and status"),
                                 labels: [("challenge", report.challenge), ("status", check.status.rawValue)]).increment()
            registry.makeCounter(descriptor: .init(namespace: "grader", metricName: "sandbox_verdicts", unitName: "total",
                                                   helpText: "How each check's sandboxed subject ended"),
                                 labels: [("verdict", Self.verdict(of: check.status))]).increment()
        }
    }

    static func verdict(of status: CheckStatus) -> String {
        switch status {
        case .pass, .fail: "exited"
        case .timeout: "timeout"
        case .crash: "crashed"
        case .sandboxViolation: "violation"
        case .error: "harness_error"
        case .skipped: "not_run"
        }
    }

    /// The exposition text, with the queue's gauges read from the store now.
    public func render() -> String {
        if let counts = try? store.jobCounts() {
            for (state, count) in counts {
                registry.makeGauge(descriptor: .init(namespace: "grader", metricName: "jobs", unitName: "",
                                                     helpText: "Jobs by state"),
                                   labels: [("state", state.rawValue)]).set(Double(count))
            }
            registry.makeGauge(descriptor: .init(namespace: "grader", metricName: "queue_depth", unitName: "",
                                                 helpText: "Jobs waiting to be claimed")).set(Double(counts[.queued] ?? 0))
        }
        return registry.emitToString()
    }
}
