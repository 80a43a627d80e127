import Testing

@testable import GossipCore

/// Text messages (docs/PROTOCOL.md, "Text messages"): the `Text:` line, its escaping and
/// limits, and how a peer sends, floods and deduplicates texts.
@Suite("Text messages")
struct TextMessageTests {
    let me = PeerFixture.me
    let p2 = addr("127.0.0.1:6002")
    let p3 = addr("127.0.0.1:6003")
    let p4 = addr("127.0.0.1:6004")
    let origin = addr("127.0.0.1:6009")

    func text(_ sequence: Int, _ body: String, at ms: Int64 = 0, from origin: NodeAddress = addr("127.0.0.1:6009")) throws
        -> TextMessage
    {
        try TextMessage(timestamp: Timestamp(milliseconds: baseWall + ms), origin: origin, sequence: sequence, text: body)
    }

    func linkedToThree() -> (PeerFixture, [ConnectionID]) {
        var fixture = PeerFixture()
        let outbound = fixture.linkOutbound(to: p2)
        let (inbound3, _) = fixture.linkInbound(from: p3)
        let (inbound4, _) = fixture.linkInbound(from: p4)
        return (fixture, [outbound, inbound3, inbound4])
    }

    // MARK: The line

    @Test("a text is carried escaped: Text:<timestamp>:<IP>:<port>:<seq>:<text>, one line of printable ASCII")
    func lineFormat() throws {
        let message = try text(3, "hi\nthere\t\\ \u{1b}[2K é 🙂")
        #expect(
            Message.text(message).encoded
                == #"Text:1795287680.000:127.0.0.1:6009:3:hi\nthere\t\\ \u{1b}[2K \u{e9} \u{1f642}"#)
        #expect(Message.text(message).encoded.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
    }

    @Test(
        "every text reads back exactly as sent",
        arguments: ["hello", "two\nlines", "tab\tand\r\n", "back\\slash \\n literal", "\u{0}\u{7f}\u{202e}", "é中🙂", " spaces "])
    func roundTrip(body: String) throws {
        let message = try text(1, body)
        let decoded = try Message(decoding: Message.text(message).encoded)
        guard case .text(let again) = decoded else {
            Issue.record("decoded as \(decoded)")
            return
        }
        #expect(again.text == body)
        #expect(again == message)
    }

    @Test("the text is at most 1,024 bytes of UTF-8, and at most 3,900 bytes escaped; never empty")
    func limits() throws {
        #expect(throws: Never.self) { try text(1, String(repeating: "a", count: 1024)) }
        #expect(throws: WireError.self) { try text(1, String(repeating: "a", count: 1025)) }
        // 700 escape characters are 700 bytes but 4,200 escaped (`\u{1b}` each): over the line's room.
        #expect(throws: WireError.self) { try text(1, String(repeating: "\u{1b}", count: 700)) }
        #expect(throws: WireError.self) { try text(1, "") }
        // The longest text still fits a line within the line limit.
        let longest = try text(
            999_999_999, String(repeating: "\u{1b}", count: 650), from: addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"))
        #expect(Message.text(longest).encoded.utf8.count <= Limits.maxLineBytes)
    }

    @Test(
        "a Text line not written canonically, or with a bad field, is refused",
        arguments: [
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{41}"#,  // 'A' escaped: not the one spelling
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{1B}"#,  // upper-case hex
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{01b}"#,  // a leading zero
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{a}"#,  // a newline is \n
            #"Text:1795287680.000:127.0.0.1:6009:1:\q"#,  // no such escape
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{1b"#,  // unclosed
            #"Text:1795287680.000:127.0.0.1:6009:1:\u{d800}"#,  // not a scalar
            "Text:1795287680.000:127.0.0.1:6009:1:raw \u{1b} byte",
            "Text:1795287680.000:127.0.0.1:6009:1:caf\u{e9}",  // non-ASCII must be escaped
            "Text:1795287680.000:127.0.0.1:6009:1:",  // empty
            "Text:1795287680.000:127.0.0.1:6009:0:zero",
            "Text:1795287680.000:127.0.0.1:6009:01:leading zero",
            "Text:1795287680:127.0.0.1:6009:1:whole seconds",
            "Text:1795287680.000:127.0.0.1:6009:hello",
            "Text:1795287680.000:127.0.0.1:99999:1:port",
            "Text:1795287680.000:[::ffff:127.0.0.1]:6009:1:mapped",
        ])
    func refused(line: String) {
        #expect(throws: WireError.self) { try Message(decoding: line) }
    }

    // MARK: Sending

    @Test("send floods the text to every linked neighbour, numbered from 1 in its own sequence, and logs it escaped")
    func sendFloods() {
        var (fixture, links) = linkedToThree()
        _ = fixture.fire(.gossip, after: PeerFixture.gossipInterval)  // Msg# 1 is a gossip message's.
        let actions = fixture.handle(.command(.send("hello\nworld")))
        #expect(sends(actions).map(\.0) == links)
        guard case .text(let sent)? = sends(actions).first?.1 else {
            Issue.record("no text sent: \(actions)")
            return
        }
        #expect(sent.origin == me && sent.sequence == 1 && sent.text == "hello\nworld")
        #expect(sends(actions).allSatisfy { $0.1 == .text(sent) })
        #expect(events(actions) == [.textSent(id: sent.identity, neighbours: 3, text: "hello\nworld")])
        #expect(logs(actions).first?.hasSuffix(": hello\\nworld") == true, "shown escaped in the log")
        let second = fixture.handle(.command(.send("again")))
        guard case .text(let next)? = sends(second).first?.1 else {
            Issue.record("no second text: \(second)")
            return
        }
        #expect(next.sequence == 2)
        #expect(fixture.peer.textsSent == 2)
    }

    @Test("an own text coming back from a neighbour is a duplicate: nothing is sent or logged")
    func ownTextComesBack() {
        var (fixture, links) = linkedToThree()
        let actions = fixture.handle(.command(.send("loop")))
        guard case .text(let sent)? = sends(actions).first?.1 else {
            Issue.record("no text sent")
            return
        }
        #expect(fixture.line(links[1], Message.text(sent).encoded) == [])
    }

    // MARK: Receiving

    @Test("a new text is logged once, escaped, and forwarded to every neighbour but the one it came from")
    func floodOnce() throws {
        var (fixture, links) = linkedToThree()
        let message = try text(1, "fire\r\nalarm", at: -50)
        let actions = fixture.line(links[0], Message.text(message).encoded)
        #expect(sends(actions).map(\.0) == [links[1], links[2]])
        #expect(sends(actions).allSatisfy { $0.1.encoded == Message.text(message).encoded })
        #expect(
            events(actions) == [
                .textReceived(
                    id: "1795287679.950:127.0.0.1:6009:1", from: addr("127.0.0.1:6002"), forwardedTo: 2, text: "fire\r\nalarm")
            ])
        #expect(logs(actions).first?.hasSuffix(": fire\\r\\nalarm") == true, "shown escaped in the log")
        #expect(fixture.peer.textsReceived == 1)
        // The same text again, from any neighbour: dropped silently.
        #expect(fixture.line(links[1], Message.text(message).encoded) == [])
        #expect(fixture.line(links[0], Message.text(message).encoded) == [])
        #expect(fixture.peer.textsReceived == 1)
    }

    @Test("texts and gossip messages are numbered apart: text 1 and Msg# 1 of one origin are both delivered")
    func separateSequenceSpace() throws {
        var (fixture, links) = linkedToThree()
        let gossipActions = fixture.line(links[0], gossip(1, at: -10, from: origin).text)
        let textActions = fixture.line(links[0], Message.text(try text(1, "one", at: -10)).encoded)
        #expect(sends(gossipActions).count == 2)
        #expect(sends(textActions).count == 2)
        // And each again is a duplicate in its own space.
        #expect(fixture.line(links[1], gossip(1, at: -10, from: origin).text) == [])
        #expect(fixture.line(links[1], Message.text(try text(1, "one", at: -10)).encoded) == [])
    }

    @Test("texts are deduplicated per origin and seq, whatever their text: a second text 1 is a duplicate")
    func dedupBySequence() throws {
        var (fixture, links) = linkedToThree()
        _ = fixture.line(links[0], Message.text(try text(1, "first", at: -10)).encoded)
        #expect(fixture.line(links[1], Message.text(try text(1, "forged", at: -10)).encoded) == [])
        #expect(sends(fixture.line(links[1], Message.text(try text(2, "second", at: -5)).encoded)).count == 2)
    }

    @Test("a malformed Text line on a link gets Error: back and a log line; the link stays")
    func badTextAnswered() {
        var (fixture, links) = linkedToThree()
        let actions = fixture.line(links[0], #"Text:1795287680.000:127.0.0.1:6009:1:\u{41}"#)
        #expect(sentError(on: links[0], actions))
        #expect(logs(actions).contains { $0.contains("malformed Text") })
        #expect(closes(actions).isEmpty)
        #expect(fixture.peer.linkedNeighbours.count == 3)
    }

    @Test("a text timestamped too far ahead is refused with Error:, neither logged as received nor forwarded")
    func futureTextRefused() throws {
        var (fixture, links) = linkedToThree()
        let actions = fixture.line(links[0], Message.text(try text(1, "early", at: 60_000)).encoded)
        #expect(sentError(on: links[0], actions))
        #expect(sends(actions).count == 1)
        #expect(fixture.peer.textsReceived == 0)
    }

    @Test("a seed does not take a text")
    func seedRefusesText() throws {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        _ = seed.start(now: at(0))
        let id = ConnectionID(.inbound, 1)
        _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        let actions = seed.handle(.line(id, Message.text(try text(1, "hi")).encoded), now: at(0))
        #expect(sentError(on: id, actions))
    }

    // MARK: Operator commands

    @Test("send takes the rest of the line as typed; send-escaped takes it escaped")
    func operatorSend() throws {
        #expect(try OperatorCommand.parse("send hello  world ") == .send("hello  world "))
        #expect(try OperatorCommand.parse(#"send-escaped a\nb\u{e9}"#) == .send("a\nb\u{e9}"))
        #expect(try OperatorCommand.parse("  broadcast ") == .broadcast)
        #expect(throws: CommandError.self) { try OperatorCommand.parse("send") }
        #expect(throws: CommandError.self) { try OperatorCommand.parse(#"send-escaped bad\q"#) }
        #expect(throws: CommandError.self) { try OperatorCommand.parse("send " + String(repeating: "x", count: 1025)) }
        #expect(throws: CommandError.self) { try OperatorCommand.parse("sendx hi") }
    }

    @Test("control lines: status, members, leave, help, monitor [json] [TYPE,...]; anything else is an error")
    func controlCommands() throws {
        #expect(try ControlCommand.parse("status") == .status)
        #expect(try ControlCommand.parse(" members ") == .members)
        #expect(try ControlCommand.parse("leave") == .leave)
        #expect(try ControlCommand.parse("send hi there") == .node(.send("hi there")))
        #expect(try ControlCommand.parse("monitor") == .monitor(json: false, types: []))
        #expect(try ControlCommand.parse("monitor json text,created") == .monitor(json: true, types: ["text", "created"]))
        #expect(try ControlCommand.parse("monitor text") == .monitor(json: false, types: ["text"]))
        for bad in ["", "status now", "monitor json a b", "monitor a b", "monitor te-xt", "reboot"] {
            #expect(throws: CommandError.self, "\(bad)") { try ControlCommand.parse(bad[...]) }
        }
    }

    @Test("a peer answers status and members from its state")
    func peerAnswers() {
        var (fixture, _) = linkedToThree()
        _ = fixture.handle(.command(.send("x")))
        let status = fixture.peer.answer(.status, now: fixture.now)
        #expect(status.contains("texts sent: 1"))
        #expect(status.contains("links: 3 up of 3 neighbours"))
        let members = fixture.peer.answer(.members, now: fixture.now)
        #expect(members.contains { $0.hasPrefix("neighbour 127.0.0.1:6002 link up") })
        #expect(members.filter { $0.hasPrefix("seed ") }.count == 3)
    }
}
