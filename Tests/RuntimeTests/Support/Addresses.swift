import GossipCore
import Testing

/// An address from its text, recording a test issue if the text does not parse.
func addr(_ text: String) -> NodeAddress {
    do { return try NodeAddress(parsing: text) } catch {
        Issue.record("test address '\(text)' does not parse: \(error)")
        return NodeAddress(host: .loopback, port: 1)
    }
}
