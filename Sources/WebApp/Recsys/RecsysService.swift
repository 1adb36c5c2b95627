import Dispatch
import Foundation
import Logging
import Recommender

/// Owns the recommender model's lifecycle: load it from the data directory, or train the default world in the
/// background while the rest of the site is already serving. Requests that need the model before it is ready get
/// a 503 with `Retry-After`; recommendation work runs on its own dispatch queue, never on a NIO event loop.
public final class RecsysService: @unchecked Sendable {
    /// Where the model is.
    public enum State: Sendable {
        /// Loading or training; `phase` and `fraction` feed the progress bar.
        case warmingUp(phase: String, fraction: Double)
        /// Ready to serve.
        case ready(RecsysModel)
        /// Could not load or train; the message says why.
        case failed(String)
    }

    private let lock = NSLock()
    private var _state: State = .warmingUp(phase: "starting", fraction: 0)
    // CPU-bound work gets its own queue so request handlers await it instead of blocking an event loop thread.
    private let queue = DispatchQueue(label: "casebook.recsys", qos: .userInitiated, attributes: .concurrent)

    /// The current state.
    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        return _state
    }

    private func set(_ s: State) {
        lock.lock()
        _state = s
        lock.unlock()
    }

    /// Creates a service in the warming-up state; call `start`.
    public init() {}

    /// A service that is already ready (tests, benchmarks).
    public init(model: RecsysModel) { _state = .ready(model) }

    /// Loads `directory` if it holds a model; otherwise generates `world`, trains, saves (unless `directory` is nil)
    /// and serves it.
    public func start(directory: URL?, world: WorldConfig, training: TrainingConfig, logger: Logger) {
        let thread = Thread { [self] in
            let fm = FileManager.default
            if let directory, fm.fileExists(atPath: directory.path) {
                set(.warmingUp(phase: "loading model", fraction: 0))
                do {
                    let start = Date()
                    let model = try RecsysModel.load(from: directory)
                    logger.info("recommender loaded", metadata: ["items": "\(model.info.itemCount)", "seconds": "\(Int(Date().timeIntervalSince(start) * 10) / 10)"])
                    set(.ready(model))
                    return
                } catch {
                    logger.warning("recommender model unreadable; training a new one", metadata: ["error": "\(error)"])
                }
            }
            do {
                let start = Date()
                set(.warmingUp(phase: "generating the world", fraction: 0))
                let w = World.generate(world)
                let model = try RecsysModel.train(world: w, config: training) { [weak self] phase, fraction in
                    self?.set(.warmingUp(phase: phase, fraction: fraction))
                }
                do {
                    if let directory { try model.save(to: directory) }
                } catch {
                    logger.warning("could not save the recommender model", metadata: ["error": "\(error)"])
                }
                logger.info("recommender trained", metadata: ["items": "\(w.itemCount)", "users": "\(w.userCount)", "seconds": "\(Int(Date().timeIntervalSince(start)))"])
                set(.ready(model))
            } catch {
                logger.error("recommender training failed", metadata: ["error": "\(error)"])
                set(.failed("\(error)"))
            }
        }
        thread.name = "recsys-warmup"
        thread.start()
    }

    /// The model, or a 503 that says how far warming up has got.
    public func model() throws -> RecsysModel {
        switch state {
        case .ready(let m): return m
        case .warmingUp(let phase, let fraction):
            throw AppError(.serviceUnavailable, "The recommender is warming up (\(phase), \(Int(fraction * 100))%). Try again in a few seconds.")
        case .failed(let why):
            throw AppError(.serviceUnavailable, "The recommender could not be started: \(why)")
        }
    }

    /// Runs one recommendation off the event loop and records each stage's time in the metrics.
    public func recommend(_ request: RecommendationRequest) async throws -> RecommendationResponse {
        let response = try await run { try $0.recommend(request) }
        for stage in response.stages { AppMetrics.shared.recordStage(stage.name, microseconds: stage.microseconds) }
        return response
    }

    /// Runs `body` with the model on the recommender queue.
    public func run<T: Sendable>(_ body: @escaping @Sendable (RecsysModel) throws -> T) async throws -> T {
        let m = try model()
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body(m) }) }
        }
    }
}
