import Testing

@testable import GossipCore

/// Text from the wire is shown, never obeyed: every log line is one line of printable ASCII
/// (docs/PROTOCOL.md, "Logs"), and readers split a log only at `\n` bytes.
@Suite("Log escaping")
struct LogEscapingTests {
    /// The forgery of issue 11: a line that, written raw, would return the cursor, clear the
    /// line and draw a removal of its own on an operator's terminal.
    static let forgery =
        "x\r\u{1B}[2K2026-11-22 03:00:00.000000 "
        + EventRenderer.sentence(.removedDead(NodeAddress(host: .loopback, port: 6001), evidence: "forged", listed: 0)) + "\r"

    static func isPrintableASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }

    @Test(
        "the escaping scheme: printable ASCII as itself, backslash doubled, \\t \\n \\r, everything else as \\u{hex}",
        arguments: [
            ("plain text: 127.0.0.1:5001", "plain text: 127.0.0.1:5001"),
            ("tab\there", #"tab\there"#),
            ("cr\rlf\ncrlf\r\n", #"cr\rlf\ncrlf\r\n"#),
            ("\u{1B}[31mred", #"\u{1b}[31mred"#),
            ("nul\u{0} del\u{7F} csi\u{9B}", #"nul\u{0} del\u{7f} csi\u{9b}"#),
            ("caf\u{E9} \u{202E}evil", #"caf\u{e9} \u{202e}evil"#),
            ("emoji \u{1F600}", #"emoji \u{1f600}"#),
            (#"a \ b \x1b"#, #"a \\ b \\x1b"#),
        ])
    func scheme(raw: String, shown: String) {
        #expect(VisibleText.escaped(raw) == shown)
        #expect(Self.isPrintableASCII(VisibleText.escaped(raw)))
    }

    @Test("an escaped excerpt is bounded, counted in scalars, and marked when cut")
    func excerptBounded() {
        #expect(Message.quote(String(repeating: "x", count: 100)[...]) == String(repeating: "x", count: 60) + "...")
        #expect(Message.quote("\r\r\r"[...], limit: 2) == #"\r\r..."#)
        #expect(Message.quote("short"[...]) == "short")
    }

    @Test("an unknown message from the wire is quoted escaped in its error, and so in the log and the answer")
    func unknownMessageEscaped() {
        do {
            _ = try Message(decoding: Self.forgery)
            Issue.record("the forgery decoded")
        } catch {
            #expect(Self.isPrintableASCII(error.description))
            #expect(error.description.hasPrefix(#"unknown message 'x\r\u{1b}[2K2026-11-22"#))
        }
    }

    @Test("a bad address from the wire is quoted escaped in its error")
    func badAddressEscaped() {
        do {
            _ = try Message(decoding: "Register:\u{1B}[2K127.0.0.1\r:5001")
            Issue.record("the bad address decoded")
        } catch {
            #expect(Self.isPrintableASCII(error.description))
            #expect(error.description.contains(#"\u{1b}[2K127.0.0.1\r"#))
        }
    }

    @Test(
        "a control character or non-ASCII text anywhere in any line: refused with a printable error, or a message whose text is printable"
    )
    func everyDecodedLineIsPrintable() {
        let inserts: [Unicode.Scalar] = ["\r", "\u{1B}", "\u{0}", "\u{7F}", "\u{85}", "\u{9B}", "\u{202E}", "\u{E9}", "\u{FF10}"]
        var checked = 0
        for (_, line) in MessageCodecTests.wireForms {
            let scalars = Array(line.unicodeScalars)
            for offset in 0...scalars.count {
                for insert in inserts {
                    var changed = scalars
                    changed.insert(insert, at: offset)
                    let text = String(String.UnicodeScalarView(changed))
                    checked += 1
                    do {
                        let message = try Message(decoding: text)
                        switch message {
                        case .error(let free), .linkRefused(let free):
                            // Free text: quoted escaped wherever it is logged (`Message.quoteText`).
                            #expect(Self.isPrintableASCII(Message.quoteText(free)))
                        default:
                            #expect(Self.isPrintableASCII(message.encoded), "\(text.debugDescription) decoded")
                            if case .gossip(let gossip) = message { #expect(Self.isPrintableASCII(gossip.text)) }
                        }
                    } catch {
                        #expect(Self.isPrintableASCII(error.description), "\(error.description.debugDescription)")
                    }
                }
            }
        }
        #expect(checked > 5_000)
    }

    @Test("an event holding a control character is written escaped, on one line, and reads back whole")
    func textEventBackstop() {
        let event = NodeEvent.errorReceived(from: "127.0.0.1:40000", reason: "x" + Self.forgery)
        let written = EventRenderer.sentence(event)
        #expect(Self.isPrintableASCII(written))
        #expect(EventParser.sentence(written[...]) == event)
    }

    @Test("an Error: line received by a seed is logged escaped: no raw control character, no line of its own")
    func seedLogsReceivedErrorEscaped() {
        var seed = SeedProtocol(address: addr("127.0.0.1:5001"), rng: SeededRandom(seed: 1))
        let id = ConnectionID(.inbound, 1)
        _ = seed.handle(.accepted(id, remote: addr("127.0.0.1:40000")), now: at(0))
        let logged = events(seed.handle(.line(id, "Error:" + Self.forgery), now: at(0)))
        #expect(logged == [.errorReceived(from: "127.0.0.1:40000", reason: Self.forgery)])
        #expect(logs(logged.map { .log($0) }).allSatisfy(Self.isPrintableASCII))
        #expect(logs(logged.map { .log($0) }).first?.hasSuffix(VisibleText.escaped(Self.forgery)) == true)
    }

    @Test("a Link Refused reason and an Error: line received by a peer are logged escaped")
    func peerLogsReceivedTextEscaped() throws {
        var fixture = PeerFixture()
        let dial = try #require(connects(fixture.register(lists: [[addr("127.0.0.1:6002")], []])).first?.0)
        _ = fixture.handle(.connected(dial))
        let refused = fixture.line(dial, "Link Refused:" + Self.forgery)
        let error = fixture.line(fixture.seedConnections[0].0, "Error:" + Self.forgery)
        #expect(logs(refused + error).allSatisfy(Self.isPrintableASCII), "\(logs(refused + error))")
        #expect(events(refused).contains(.linkRefusedByPeer(addr("127.0.0.1:6002"), reason: Self.forgery)), "\(events(refused))")
        #expect(events(error).contains { $0.kind == .errorReceived && $0.texts.last == Self.forgery }, "\(events(error))")
    }
}

/// Log readers split at `\n` bytes only, and leave a torn last line out.
@Suite("Log lines")
struct LogLinesTests {
    @Test("a line ending in \\r stays a line of its own: Swift's \"\\r\\n\" Character does not merge it with the next")
    func carriageReturnDoesNotMergeLines() {
        let text = "one\r\ntwo\nthree\n"
        #expect(text.split(separator: "\n").count == 2, "what a Character split does (the bug)")
        #expect(LogLines.lines(in: text) == ["one\r", "two", "three"])
    }

    @Test("a torn last line (no newline yet) is left out")
    func tornLastLineLeftOut() {
        #expect(LogLines.lines(in: "whole\nhalf a li") == ["whole"])
        #expect(LogLines.lines(in: "no newline at all").isEmpty)
        #expect(LogLines.lines(in: "") == [])
    }

    @Test("empty lines and non-ASCII text are kept as they are")
    func emptyAndUnicodeLines() {
        #expect(LogLines.lines(in: "\n\u{E9}\u{301}\n\n") == ["", "\u{E9}\u{301}", ""])
    }
}
