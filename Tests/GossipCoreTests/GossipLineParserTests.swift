import Testing

@testable import GossipCore

/// The fast path for gossip lines must agree with the general decoder on every line.
@Suite("Gossip line fast path")
struct GossipLineParserTests {
    static let lines = [
        "1795287680.731:127.0.0.1:6001:1", "1795287680:127.0.0.1:6001:12", "0.000:0.0.0.0:1:1",
        "1795287680.731:255.255.255.255:65535:999999999999999999", "1795287680.731:010.0.0.1:6001:3",
        "1795287680.731:[::1]:6001:1", "1795287680.731:127.0.0.1:6001:0", "1795287680.731:127.0.0.1:0:1",
        "1795287680.731:127.0.0.1:65536:1", "1795287680.73:127.0.0.1:6001:1", "1795287680.7311:127.0.0.1:6001:1",
        "1795287680.731:256.0.0.1:6001:1", "1795287680.731:127.0.0:6001:1", "1795287680.731:127.0.0.1:6001:",
        "1795287680.731:127.0.0.1:6001:1:", "1795287680.731:127.0.0.1:6001:1x", "1795287680.731:127.0.0.1:6001",
        "1795287680.731:1270.0.0.1:6001:1", "1795287680.731::127.0.0.1:6001:1", "1234567890123.000:127.0.0.1:1:1",
        "1795287680.731:127.0.0.1:6001:1234567890123456789", "7", "1795287680.731:127.0.0.1:06001:1",
    ]

    @Test(arguments: lines)
    func agreesWithTheGeneralDecoder(_ line: String) {
        let fast = Result { () throws(WireError) -> Message in try Message(decoding: line) }
        let general = Result { () throws(WireError) -> Message in try Message(decoding: line[...]) }
        switch (fast, general) {
        case (.success(let a), .success(let b)):
            #expect(a == b)
            #expect(a.encoded == line, "a message keeps its text byte for byte")
        case (.failure(let a), .failure(let b)): #expect(a == b)
        default: Issue.record("fast path \(fast) but general decoder \(general)")
        }
    }
}
