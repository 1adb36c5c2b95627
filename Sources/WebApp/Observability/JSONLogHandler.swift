import Foundation
import Logging

/// One JSON object per line (`--log-format json`), for log shippers. Metadata, including the request id that
/// Hummingbird attaches to every request's logger (`hb.request.id`), becomes top-level fields.
public struct JSONLogHandler: LogHandler {
    /// Log level.
    public var logLevel: Logger.Level = .info
    /// Handler-level metadata.
    public var metadata: Logger.Metadata = [:]
    let label: String
    private static let lock = NSLock()

    /// Creates a handler for `label`.
    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [
            "ts": ISO8601DateFormatter().string(from: Date()), "level": event.level.rawValue, "label": label,
            "msg": event.message.description, "source": event.source,
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[k == "hb.request.id" ? "request_id" : k] = v.description
        }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        data.append(0x0A)
        Self.lock.lock()
        FileHandle.standardError.write(data)
        Self.lock.unlock()
    }
}
