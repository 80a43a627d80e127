import GossipCore

/// How `monitor` shows a node's log lines: the one place that turns a written log line into
/// what a monitor client reads (a human line as written, or a JSON object), and that tells its
/// event type for `monitor TYPE,...`.
///
/// For now the type is read from the line's first words: the log lines are still sentences
/// (issue 8 turns them into typed events with renderers of their own; this function is the
/// one to replace with that renderer).
public enum MonitorFormat {
    /// The event types `kind(ofEvent:)` tells apart, for `monitor`'s help and errors.
    public static let kinds = [
        "created", "received", "text", "textSent", "linked", "link", "registered", "listed", "reportedDead",
        "removed", "left", "suspect", "liveness", "probe", "error", "warning", "command", "started", "stopped", "other",
    ]

    /// The best type that can be told from an event (a log line without its time).
    public static func kind(ofEvent text: Substring) -> String {
        func starts(_ prefix: String) -> Bool { text.hasPrefix(prefix) }
        if starts("Received text ") { return "text" }
        if starts("Sent text ") { return "textSent" }
        if starts("Created message ") { return "created" }
        if starts("Received Dead Node") || starts("Reporting") || starts("Dead peer") { return "reportedDead" }
        if starts("Received SIG") || starts("Stopped") || starts("Leaving") { return "stopped" }
        if starts("Received ") { return "received" }
        if starts("Linked with") { return "linked" }
        if starts("Link ") || starts("Linking") || starts("Refused link") { return "link" }
        if starts("Registered") || starts("Registration") || starts("Registering") { return "registered" }
        if starts("Peer list") || starts("List query") { return "listed" }
        if starts("Removed peer") { return "removed" }
        if starts("Suspect peer") || starts("Probing") || starts("Probe of") { return "suspect" }
        if starts("Liveness") { return "liveness" }
        if starts("Peer listening") || starts("Seed listening") || starts("Open connections") { return "started" }
        if starts("Peer "), text.contains(" left") { return "left" }
        if starts("Command") || starts("Control") { return "command" }
        if starts("Warning") || starts("Woke up") || starts("Dropped") || starts("Cut off") || starts("Turned away") {
            return "warning"
        }
        if starts("Error") || starts("Bad input") || starts("Refused") || starts("Unexpected") || starts("Unknown command")
            || text.contains(" more errors from ")
        {
            return "error"
        }
        return "other"
    }

    /// A level for a type: what an operator's eye should catch.
    static func level(of kind: String) -> String {
        switch kind {
        case "error": return "error"
        case "warning", "reportedDead", "removed", "suspect": return "warning"
        case "liveness", "listed", "received", "probe": return "debug"
        default: return "info"
        }
    }

    /// One log line (as written, with its time, without its newline) for a monitor client:
    /// nil when `types` is not empty and does not hold the line's type. `node`: the node's
    /// kind and address, which JSON lines carry (a client reading many nodes prefixes the
    /// human lines itself).
    public static func render(logLine line: Substring, node: NodeAddress, role: NodeKind, json: Bool, types: [String])
        -> String?
    {
        let event = LogText.event(inLogLine: line) ?? line
        let time = line.utf8.count > event.utf8.count ? line.prefix(line.count - event.count - 1) : ""
        let kind = kind(ofEvent: event)
        guard types.isEmpty || types.contains(kind) else { return nil }
        guard json else { return String(line) }
        return
            "{\"time\":\"\(escape(time))\",\"node\":\"\(node)\",\"role\":\"\(role.rawValue)\",\"level\":\"\(level(of: kind))\",\"event\":\"\(kind)\",\"text\":\"\(escape(event))\"}"
    }

    /// A JSON string's content: the log line is printable ASCII, so only `"` and `\` need it.
    static func escape(_ text: Substring) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
