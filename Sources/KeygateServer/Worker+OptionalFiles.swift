import KeygateZone
import Logging

extension Worker {
    /// The shared last-used table, or `nil` (with one warning naming the file, its owner and the fix) when it is off
    /// or cannot be opened: last-used times are a convenience, and no request may fail for their sake.
    static func optionalLastUsed(_ configuration: WorkerConfiguration, logger: Logger) -> LastUsedTable? {
        guard let path = configuration.lastUsedPath else { return nil }
        do {
            return try LastUsedTable(path: path, capacity: configuration.lastUsedCapacity)
        } catch {
            let warning = OptionalFileWarning(
                path: path, error: error, consequence: "serving without last-used times", disablingOption: "--state off"
            )
            logger.warning("\(warning)")
            return nil
        }
    }
}
