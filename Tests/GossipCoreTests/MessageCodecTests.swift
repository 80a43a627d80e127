import Testing

@testable import GossipCore

@Suite("Message codec")
struct MessageCodecTests {
    static let v4 = addr("127.0.0.1:6001")
    static let v4b = addr("10.1.2.3:6002")
    static let v6 = addr("[2001:db8::7]:6003")
    static let ts = Timestamp(milliseconds: 1_795_287_680_731)

    /// Every message, with the line it is on the wire.
    static let wireForms: [(Message, String)] = [
        (.register(v4), "Register:127.0.0.1:6001"),
        (.register(v6), "Register:[2001:db8::7]:6003"),
        (.listPeers, "List Peers"),
        (.peerList([]), "Peer List:"),
        (.peerList([v4]), "Peer List:127.0.0.1:6001"),
        (.peerList([v4, v6, v4b]), "Peer List:127.0.0.1:6001,[2001:db8::7]:6003,10.1.2.3:6002"),
        (.deadNode(dead: v4b, timestamp: ts, reporter: v4), "Dead Node:10.1.2.3:6002:1795287680.731:127.0.0.1:6001"),
        (.deadNode(dead: v6, timestamp: ts, reporter: v6), "Dead Node:[2001:db8::7]:6003:1795287680.731:[2001:db8::7]:6003"),
        (.linkRequest(v4), "Link Request:127.0.0.1:6001"),
        (.linkRequest(v6), "Link Request:[2001:db8::7]:6003"),
        (.linkAccepted(v4b), "Link Accepted:10.1.2.3:6002"),
        (.linkRefused("inbound link limit (32) reached"), "Link Refused:inbound link limit (32) reached"),
        (.livenessRequest(timestamp: ts, sender: v4), "Liveness Request:1795287680.731:127.0.0.1:6001"),
        (.livenessRequest(timestamp: ts, sender: v6), "Liveness Request:1795287680.731:[2001:db8::7]:6003"),
        (
            .livenessReply(timestamp: ts, sender: v4, replier: v6),
            "Liveness Reply:1795287680.731:127.0.0.1:6001:[2001:db8::7]:6003"
        ),
        (.gossip(GossipMessage(timestamp: ts, origin: v4, sequence: 1)), "1795287680.731:127.0.0.1:6001:1"),
        (.gossip(GossipMessage(timestamp: ts, origin: v6, sequence: 10)), "1795287680.731:[2001:db8::7]:6003:10"),
        (.error("malformed Register: no port"), "Error:malformed Register: no port"),
    ]

    // MARK: Round trips

    @Test("each message is encoded as its wire line", arguments: wireForms)
    func encoding(message: Message, line: String) {
        #expect(message.encoded == line)
    }

    @Test("each message is written into bytes as its wire line", arguments: wireForms)
    func writing(message: Message, line: String) {
        var bytes: [UInt8] = [1]
        message.write(into: &bytes)
        #expect(bytes == [1] + Array(line.utf8), "appended after what the buffer held")
    }

    @Test("each message decodes from its encoding to itself", arguments: wireForms.map(\.0))
    func roundTrip(message: Message) throws {
        #expect(try Message(decoding: message.encoded[...]) == message)
    }

    @Test("a gossip message keeps its text exactly as received")
    func gossipTextKept() throws {
        let line = "1795287680.731:[::1]:6001:1"
        let decoded = try Message(decoding: line[...])
        guard case .gossip(let message) = decoded else {
            Issue.record("decoded as \(decoded)")
            return
        }
        #expect(message.text == line)
        #expect(decoded.encoded == line)
        #expect(message.origin == addr("[::1]:6001"))
        #expect(message.sequence == 1)
        #expect(message.timestamp == Self.ts)
    }

    /// Issue 11: one message spelled six ways was delivered six times. A gossip message has one
    /// spelling, the one its origin writes; any other is an error, not another message.
    @Test(
        "a gossip message not written canonically is refused, naming the one spelling",
        arguments: [
            "1795287680:127.0.0.1:6001:7",  // whole seconds
            "01795287680.000:127.0.0.1:6001:7",  // a leading zero in the seconds
            "1795287680.000:127.0.0.01:6001:7",  // ... in an octet
            "1795287680.000:127.0.0.1:06001:7",  // ... in the port
            "1795287680.000:127.0.0.1:6001:07",  // ... in the Msg#
            "1795287680.000:[::ffff:127.0.0.1]:6001:7",  // an IPv4-mapped IPv6 origin
            "1795287680.000:[::FFFF:7F00:1]:6001:7",  // the same, in hex
            "1795287680.000:[0:0:0:0:0:0:0:1]:6001:7",  // IPv6 not in RFC 5952 form
        ])
    func nonCanonicalGossipRefused(line: String) {
        #expect(throws: WireError.self) { try Message(decoding: line) }
        #expect(throws: WireError.self) { try Message(decoding: line[...]) }
        do {
            _ = try Message(decoding: line)
        } catch {
            #expect(error.description.contains("not written canonically; the one spelling is '"))
        }
    }

    // MARK: Rejections

    @Test("an empty line is rejected as emptyLine")
    func emptyLine() {
        #expect(throws: WireError.emptyLine) { try Message(decoding: "") }
    }

    @Test("an unknown message is rejected as unknownMessage, quoting it")
    func unknownMessage() {
        #expect(throws: WireError.unknownMessage("Hello")) { try Message(decoding: "Hello") }
        #expect(throws: WireError.unknownMessage("Hello:there")) { try Message(decoding: "Hello:there") }
    }

    @Test("a Register without a port is rejected as a bad address")
    func registerWithoutPort() {
        #expect(throws: WireError.badAddress("Register", .missingPort("127.0.0.1"))) {
            try Message(decoding: "Register:127.0.0.1")
        }
    }

    @Test("a Dead Node without the reporter is rejected as malformed Dead Node")
    func deadNodeWithoutReporter() {
        #expect(malformedName("Dead Node:127.0.0.1:6002:1795287680.731") == "Dead Node")
    }

    @Test("a Dead Node with a bad timestamp is rejected as badTimestamp, quoting it")
    func deadNodeBadTimestamp() {
        #expect(throws: WireError.badTimestamp("Dead Node", "yesterday")) {
            try Message(decoding: "Dead Node:127.0.0.1:6002:yesterday:127.0.0.1:6001")
        }
    }

    @Test("a Liveness Reply with an extra field is rejected as malformed Liveness Reply")
    func livenessReplyExtraField() {
        #expect(malformedName("Liveness Reply:1795287680.731:127.0.0.1:6001:127.0.0.1:6002:extra") == "Liveness Reply")
    }

    @Test("a gossip message with Msg# 0 is rejected as malformed")
    func gossipSequenceZero() {
        #expect(malformedName("1795287680.731:127.0.0.1:6001:0") == "gossip message")
    }

    @Test("a gossip message whose Msg# is not a number is rejected as malformed")
    func gossipSequenceNotNumber() {
        #expect(malformedName("1795287680.731:127.0.0.1:6001:abc") == "gossip message")
        #expect(malformedName("1795287680.731:127.0.0.1:6001:-1") == "gossip message")
    }

    @Test("a gossip message without Msg# is rejected as malformed")
    func gossipSequenceMissing() {
        #expect(malformedName("1795287680.731:127.0.0.1:6001") == "gossip message")
        #expect(malformedName("1795287680.731:127.0.0.1:6001:") == "gossip message")
    }

    @Test("a gossip message with a bad address is rejected as a bad address")
    func gossipBadAddress() {
        #expect(throws: WireError.badAddress("gossip message", .badIPv4("127.0.0.300"))) {
            try Message(decoding: "1795287680.731:127.0.0.300:6001:1")
        }
    }

    @Test("a gossip message with a bad timestamp is rejected as badTimestamp")
    func gossipBadTimestamp() {
        #expect(throws: WireError.badTimestamp("gossip message", "1795287680.73")) {
            try Message(decoding: "1795287680.73:127.0.0.1:6001:1")
        }
    }

    @Test("a gossip message with the largest Msg# a peer can be told to reach decodes")
    func largestSequenceDecodes() throws {
        // `--messages` takes at most 1,000,000,000 (PeerOptionsTests checks that bound).
        let largest = 1_000_000_000
        let line = GossipMessage(timestamp: Self.ts, origin: Self.v4, sequence: largest).text
        _ = try Message(decoding: line[...])
    }

    // MARK: Free text

    @Test("Error text with a newline is encoded on one line, the line breaks shown escaped")
    func errorTextOnOneLine() {
        let line = Message.error("first\nsecond\rthird").encoded
        #expect(line == #"Error:first\nsecond\rthird"#)
    }

    @Test("Error text with a terminal escape sequence is sent with the escape shown, not obeyed")
    func errorTextControlCharactersEscaped() {
        let line = Message.error("\u{1B}[2K\u{7F}\u{9B}done").encoded
        #expect(line == #"Error:\u{1b}[2K\u{7f}\u{9b}done"#)
        #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
    }

    @Test("Error text with a CRLF line break is encoded on one line")
    func errorTextWithCRLFOnOneLine() {
        let line = Message.error("first\r\nsecond").encoded
        #expect(!line.utf8.contains(10) && !line.utf8.contains(13))
    }

    @Test("Link Refused reason with a newline is encoded on one line")
    func refusalOnOneLine() {
        #expect(Message.linkRefused("no\nroom").encoded == #"Link Refused:no\nroom"#)
    }

    @Test("Error text is bounded to 512 bytes")
    func errorTextBounded() {
        let line = Message.error(String(repeating: "x", count: 5000)).encoded
        #expect(line.utf8.count == "Error:".utf8.count + 512)
        #expect(line.hasSuffix("..."))
    }

    /// The message name of a `.malformed` rejection, or nil when the line is not rejected so.
    private func malformedName(_ line: String) -> String? {
        do {
            let message = try Message(decoding: line[...])
            Issue.record("'\(line)' decoded as \(message)")
        } catch {
            if case .malformed(let name, _) = error { return name }
            Issue.record("'\(line)' rejected as \(error), not as malformed")
        }
        return nil
    }
}
