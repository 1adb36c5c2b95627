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

    func addRoutes(to router: Router<AppRequestContext>, token: String?, trustForwardedFor: Bool) {
        router.get("/metrics") { [registry] req, ctx in
            guard Self.mayRead(req, ctx, token: token, trustForwardedFor: trustForwardedFor) else {
                throw AppError(.forbidden, token == nil
                    ? "Metrics are served to this machine only. Start the server with --metrics-token to read them from elsewhere."
                    : "Metrics need the header “Authorization: Bearer <the --metrics-token>”.")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    /// The bearer token when one is configured; otherwise a loopback client. A request a proxy relayed (it carries
    /// X-Forwarded-For) counts as loopback only when the proxy is trusted and says the client itself is loopback:
    /// behind an nginx on this host every request arrives from 127.0.0.1.
    static func mayRead(_ req: Request, _ ctx: AppRequestContext, token: String?, trustForwardedFor: Bool) -> Bool {
        if let token {
            guard let auth = req.headers[.authorization], auth.hasPrefix("Bearer ") else { return false }
            return Tokens.constantTimeEquals(String(auth.dropFirst("Bearer ".count)), token)
        }
        if req.headers[.xForwardedFor] != nil && !trustForwardedFor { return false }
        guard let address = ctx.clientAddress else { return false }
        return address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
