import Testing

@testable import GossipCore

/// Log entries written straight into bytes read exactly as their text.
@Suite("Log rendering")
struct LogRenderingTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 65535, 1_000_000_007, UInt64.max] as [UInt64])
    func decimalsAreWrittenAsSwiftPrintsThem(_ value: UInt64) {
        var bytes: [UInt8] = Array("x".utf8)
        ASCII.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x\(value)")
    }

    @Test(arguments: ["127.0.0.1:6001", "0.0.0.0:1", "255.255.255.255:65535", "[::1]:5001", "[2001:db8::7]:80"])
    func addressesAreWrittenAsTheirDescription(_ text: String) throws {
        let address = try NodeAddress(parsing: text)
        var bytes: [UInt8] = []
        address.write(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == address.description)
    }

    @Test func everyKindOfEntryRendersAsItsDescription() throws {
        let message = GossipMessage(
            timestamp: Timestamp(milliseconds: 1_795_287_680_731), origin: try NodeAddress(parsing: "127.0.0.1:6001"), sequence: 3
        )
        let peer = try NodeAddress(parsing: "127.0.0.1:6002")
        let entries: [LogEntry] = [
            .received(message, from: peer, forwardedTo: 3), .about("Liveness request from ", peer, ": answered"),
            .list("Peer list: ", [peer, peer]), "plain \(42)",
        ]
        for entry in entries {
            var bytes: [UInt8] = []
            entry.render(into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == entry.description)
        }
    }
}

/// The log lines programs read back parse to what was written.
@Suite("Log lines read back")
struct LogReadBackTests {
    @Test func aReceiptLineGivesItsMessageSenderAndForwardCount() throws {
        let message = GossipMessage(
            timestamp: Timestamp(milliseconds: 1_795_287_680_731), origin: try NodeAddress(parsing: "[::1]:6001"), sequence: 3)
        let peer = try NodeAddress(parsing: "127.0.0.1:6002")
        let text = LogText.received(message, from: peer, forwardedTo: 5)
        let receipt = try #require(LogText.receipt(inEvent: text[...]))
        #expect(receipt.message == message && receipt.from == peer && receipt.forwarded == 5)
    }

    @Test func aCreationLineGivesItsMessageAndFanOut() throws {
        let message = GossipMessage(
            timestamp: Timestamp(milliseconds: 1_795_287_680_731), origin: try NodeAddress(parsing: "127.0.0.1:6001"), sequence: 9
        )
        let creation = try #require(LogText.creation(inEvent: LogText.created(message, sentTo: 4)[...]))
        #expect(creation.message == message && creation.sentTo == 4)
    }
}
