import Testing

@testable import GossipCore

/// The fast path for the common protocol lines must agree with the general decoder on every
/// line, and must actually be taken by the canonical ones.
@Suite("Plain line fast path")
struct PlainLineParserTests {
    static let canonical = [
        "Liveness Request:1795342218.513:127.0.0.1:7441",
        "Liveness Reply:1795342218.513:127.0.0.1:7441:127.0.0.1:7442",
        "Register:127.0.0.1:6001", "Peer List:", "Peer List:127.0.0.1:6001",
        "Peer List:127.0.0.1:6001,10.0.0.2:65535,255.255.255.255:1",
        "Link Request:127.0.0.1:6002", "Link Accepted:0.0.0.0:1",
        "Dead Node:127.0.0.1:6003:1795342218.000:127.0.0.1:6001",
    ]

    static let others = [
        // Other spellings the general decoder reads (whole seconds, leading zeros), or refuses.
        "Liveness Request:1795342218:127.0.0.1:7441", "Liveness Request:01795342218.513:127.0.0.1:7441",
        "Liveness Request:1795342218.51:127.0.0.1:7441", "Liveness Request:1795342218.513:127.0.0.1:07441",
        "Liveness Request:1795342218.513:127.0.0.1:7441:", "Liveness Request:1795342218.513:127.0.0.1",
        "Liveness Request:1795342218.513:[::1]:7441", "Liveness Request:1795342218.513:127.0.0.1:0",
        "Liveness Request:", "Liveness Request", "Liveness Reply:1795342218.513:127.0.0.1:7441",
        "Liveness Reply:1795342218.513:127.0.0.1:7441:127.0.0.1:7442,", "Register:127.0.0.1:65536",
        "Register:127.000.0.1:6001", "Register:256.0.0.1:6001", "Register:127.0.0.1:6001 ", "Register:",
        "Peer List:127.0.0.1:6001,", "Peer List:,127.0.0.1:6001", "Peer List:127.0.0.1:6001,,10.0.0.2:1",
        "Peer List:[::1]:6001,127.0.0.1:6002", "Link Request:localhost:6002", "Link Accepted:127.0.0.1:6002x",
        "Dead Node:127.0.0.1:6003:1795342218:127.0.0.1:6001", "Dead Node:127.0.0.1:6003:1795342218.000:127.0.0.1",
        "Dead Node:127.0.0.1:6003:1795342218.000:127.0.0.1:6001:1", "Link Refused:full", "List Peers",
        "Leave:127.0.0.1:6001", "Error:x", "liveness Request:1795342218.513:127.0.0.1:7441", "",
    ]

    @Test(arguments: canonical + others)
    func agreesWithTheGeneralDecoder(_ line: String) {
        expectDecodersAgree(on: line)
    }

    @Test(arguments: canonical)
    func takesTheCanonicalLines(_ line: String) throws {
        var text = line
        let fast = try #require(text.withUTF8 { PlainLineParser.parse($0) })
        #expect(fast.encoded == line, "the canonical spelling is the one a node writes")
    }

    @Test(arguments: others)
    func leavesEverythingElseToTheGeneralDecoder(_ line: String) {
        var text = line
        #expect(text.withUTF8 { PlainLineParser.parse($0) } == nil)
    }
}
