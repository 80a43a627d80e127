/// One line for a node's log, as an instance asks for it.
///
/// The text is only built when a shell writes it: the hot entries (a message received, a
/// liveness request answered, a peer list) carry their values and render on demand, so a
/// simulator driving 100,000 instances does not spend its time formatting lines nobody reads.
/// Any other entry is written as an interpolated string literal: `log("Linked with \(peer)", &actions)`.
///
/// Instances log through `NodeInstance.log(_:_:)`, which takes the entry as an autoclosure:
/// with `logging` off (a simulator does not read 100,000 logs) nothing is built at all.
///
/// An entry is one line of printable ASCII, whatever it holds: text from the wire is quoted
/// escaped where it is put in (`Message.quote`), and a text entry is written through
/// `VisibleText.appendPrintable` as well, so a control character that slipped through is still
/// shown, not obeyed. (The typed entries hold only values parsed and printed by the node: a
/// received message's text is digits, dots, colons and an address.)
public struct LogEntry: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    enum Content: Hashable, Sendable {
        case text(String)
        /// `prefix`, then the addresses separated by ", " (or "(none)"), then `suffix`.
        case addresses(String, [NodeAddress], String)
        /// `prefix`, one address, `suffix`.
        case address(String, NodeAddress, String)
        case received(GossipMessage, from: NodeAddress, forwardedTo: Int)
    }

    let content: Content

    init(_ content: Content) { self.content = content }

    public init(stringLiteral value: String) { content = .text(value) }

    public init(stringInterpolation: DefaultStringInterpolation) {
        content = .text(String(stringInterpolation: stringInterpolation))
    }

    public var description: String {
        switch content {
        case .text(let text): return VisibleText.printable(text)
        case .addresses(let prefix, let list, let suffix): return VisibleText.printable(prefix + Self.describe(list) + suffix)
        case .address(let prefix, let address, let suffix): return prefix + address.description + suffix
        case .received(let message, let peer, let forwarded):
            return LogText.received(message, from: peer, forwardedTo: forwarded)
        }
    }

    /// Appends the text to `bytes` (what a log file receives), without building a `String`
    /// for the entries a busy peer writes per message.
    public func render(into bytes: inout [UInt8]) {
        switch content {
        case .received(let message, let peer, let forwarded):
            ASCII.appendUTF8("Received " as StaticString, to: &bytes)
            ASCII.appendUTF8(message.text, to: &bytes)
            ASCII.appendUTF8(" from " as StaticString, to: &bytes)
            peer.write(into: &bytes)
            ASCII.appendUTF8("; forwarded to " as StaticString, to: &bytes)
            ASCII.appendDecimal(UInt64(forwarded), to: &bytes)
        case .address(let prefix, let address, let suffix):
            bytes.append(contentsOf: prefix.utf8)
            address.write(into: &bytes)
            bytes.append(contentsOf: suffix.utf8)
        case .text(let text):
            VisibleText.appendPrintable(text, to: &bytes)
        case .addresses:
            bytes.append(contentsOf: description.utf8)
        }
    }

    static func describe(_ list: [NodeAddress]) -> String {
        list.isEmpty ? "(none)" : list.map(\.description).joined(separator: ", ")
    }

    /// `prefix` + the list + `suffix`, rendered when written.
    public static func list(_ prefix: String, _ list: [NodeAddress], _ suffix: String = "") -> LogEntry {
        LogEntry(.addresses(prefix, list, suffix))
    }

    /// `prefix` + the address + `suffix`, rendered when written.
    public static func about(_ prefix: String, _ address: NodeAddress, _ suffix: String = "") -> LogEntry {
        LogEntry(.address(prefix, address, suffix))
    }

    /// The specification's receipt line: the message and the neighbour it came from.
    public static func received(_ message: GossipMessage, from peer: NodeAddress, forwardedTo count: Int) -> LogEntry {
        LogEntry(.received(message, from: peer, forwardedTo: count))
    }
}
