/// How much an event matters to an operator. The log file keeps every level; the console
/// shows `--console-level` and above (info by default).
public enum EventLevel: Int, Comparable, Hashable, Sendable, CaseIterable {
    case debug, info, warning, error

    public static func < (lhs: EventLevel, rhs: EventLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The JSON spelling, and the one `--console-level` takes: `debug`, `info`, `warning`, `error`.
    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// The human line's fixed-width column (five characters): `DEBUG`, `INFO `, `WARN `, `ERROR`.
    public var column: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO "
        case .warning: "WARN "
        case .error: "ERROR"
        }
    }

    /// A level by its name (`debug`, `info`, `warning` or `warn`, `error`).
    public init?(name: some StringProtocol) {
        switch name {
        case "debug", "DEBUG": self = .debug
        case "info", "INFO": self = .info
        case "warning", "warn", "WARN", "WARNING": self = .warning
        case "error", "ERROR": self = .error
        default: return nil
        }
    }
}

/// The two forms of a log line: `human` (the time, the level, a sentence) or `json` (one
/// object a line). Chosen with `--log-format`.
public enum LogFormat: String, Hashable, Sendable, CaseIterable {
    case human, json
}
