import GossipCore

/// The event types a monitor asks for (`monitor [json] [TYPE,...]`, `cluster monitor --type`).
///
/// A type names the kinds of events (`EventKind`, docs/LOGS.md) whose names start with it:
/// `received` is a gossip message received, `text` every text-message event, `removed` a seed's
/// removals of every cause, `link` every link event. The rendering itself is the log's own
/// (`EventRenderer`): a monitor reads exactly the lines a log written in its format holds, with
/// the node's address.
public enum MonitorFormat {
    /// Every kind's name, for help texts and errors.
    public static var kinds: [String] { EventKind.allCases.map(\.name) }

    /// The kinds `types` select, or the first type that selects none. No types: every kind.
    public static func select(_ types: [String]) -> Result<Set<EventKind>, UnknownType> {
        var selected: Set<EventKind> = []
        for type in types {
            let matching = EventKind.allCases.filter { $0.name.hasPrefix(type) }
            if matching.isEmpty { return .failure(UnknownType(name: type)) }
            selected.formUnion(matching)
        }
        return .success(selected)
    }

    public struct UnknownType: Error, Sendable {
        public var name: String
    }
}
