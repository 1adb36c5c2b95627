import Foundation
import Hummingbird
import Metrics
import Prometheus

/// Prometheus metrics through swift-metrics: request latency histograms by route and status (Hummingbird's
/// `MetricsMiddleware`), recommender stage timings and SQL statement timings, served at `/metrics`.
public final class AppMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    /// The process-wide instance; swift-metrics can be bootstrapped once per process.
    public static let shared: AppMetrics = {
        let m = AppMetrics(registry: PrometheusCollectorRegistry())
        var factory = PrometheusMetricsFactory(registry: m.registry)
        // Latency buckets from 0.1 ms to 2.5 s: pages answer in well under a millisecond, training-free API calls in ms.
        factory.defaultDurationHistogramBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
            .map { Duration.nanoseconds(Int64($0 * 1e9)) }
        MetricsSystem.bootstrap(factory)
        return m
    }()

    private init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Records a recommender stage's duration.
    public func recordStage(_ name: String, microseconds: Double) {
        Timer(label: "casebook_recsys_stage_seconds", dimensions: [("stage", name)]).recordNanoseconds(Int64(microseconds * 1000))
    }

    /// Records one SQL statement's duration.
    public func recordStatement(seconds: TimeInterval) {
        Timer(label: "casebook_db_statement_seconds").recordNanoseconds(Int64(seconds * 1e9))
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/metrics") { [registry] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
