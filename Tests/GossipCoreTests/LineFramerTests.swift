import Testing

@testable import GossipCore

@Suite("LineFramer")
struct LineFramerTests {
    @Test("a line split across feeds is emitted once its newline arrives")
    func lineAcrossFeeds() {
        var framer = LineFramer()
        #expect(framer.feed(bytes("Regi")) == [])
        #expect(framer.feed(bytes("ster:127.0.0")) == [])
        #expect(framer.feed(bytes(".1:6001\n")) == [.line("Register:127.0.0.1:6001")])
    }

    @Test("many lines in one feed are emitted in order")
    func manyLinesInOneFeed() {
        var framer = LineFramer()
        #expect(
            framer.feed(bytes("List Peers\nError:x\n\nPeer List:\n")) == [
                .line("List Peers"), .line("Error:x"), .line(""), .line("Peer List:"),
            ])
    }

    @Test("the end of one line and the start of the next in one feed")
    func lineEndAndNextStart() {
        var framer = LineFramer()
        _ = framer.feed(bytes("ab"))
        #expect(framer.feed(bytes("c\nde")) == [.line("abc")])
        #expect(framer.feed(bytes("f\n")) == [.line("def")])
    }

    @Test("a CR before the newline is stripped")
    func crlfStripped() {
        var framer = LineFramer()
        #expect(framer.feed(bytes("List Peers\r\nError:x\r\n")) == [.line("List Peers"), .line("Error:x")])
    }

    @Test("a CR arriving in one feed and its newline in the next is stripped")
    func crlfAcrossFeeds() {
        var framer = LineFramer()
        #expect(framer.feed(bytes("List Peers\r")) == [])
        #expect(framer.feed(bytes("\n")) == [.line("List Peers")])
    }

    @Test("a line of exactly maxLineBytes is accepted")
    func lineAtLimit() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("12345678\n")) == [.line("12345678")])
    }

    @Test("a line of exactly maxLineBytes that piles up over feeds is accepted")
    func lineAtLimitAcrossFeeds() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("1234")) == [])
        #expect(framer.feed(bytes("5678")) == [])
        #expect(framer.feed(bytes("\n")) == [.line("12345678")])
    }

    @Test("the default limit is Limits.maxLineBytes")
    func defaultLimit() {
        var framer = LineFramer()
        #expect(framer.maxLineBytes == Limits.maxLineBytes)
        let longest = String(repeating: "a", count: Limits.maxLineBytes)
        #expect(framer.feed(bytes(longest + "\n")) == [.line(longest)])
        #expect(framer.feed(bytes(longest + "a\n")) == [.tooLong])
    }

    @Test("one byte over maxLineBytes with its newline in the same feed is tooLong")
    func overLimitWithNewline() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("123456789\n")) == [.tooLong])
    }

    @Test("one byte over maxLineBytes finished by a newline in a later feed is tooLong")
    func overLimitFinishedLater() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("1234")) == [])
        #expect(framer.feed(bytes("56789\n")) == [.tooLong])
    }

    @Test("one byte over maxLineBytes without a newline is tooLong as soon as it arrives")
    func overLimitWithoutNewline() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("12345")) == [])
        #expect(framer.feed(bytes("6789")) == [.tooLong])
        #expect(framer.pendingByteCount == 0)
    }

    @Test("a CRLF line of exactly maxLineBytes is accepted however the feeds split it")
    func crlfLineAtLimitSplitBeforeNewline() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(framer.feed(bytes("12345678\r\n")) == [.line("12345678")])
        var split = LineFramer(maxLineBytes: 8)
        let items = split.feed(bytes("12345678\r")) + split.feed(bytes("\n"))
        #expect(items == [.line("12345678")])
    }

    @Test("nothing is emitted after tooLong (the caller closes the connection)")
    func nothingAfterTooLong() {
        var framer = LineFramer(maxLineBytes: 8)
        let items = framer.feed(bytes("123456789\nok\n"))
        #expect(items.first == .tooLong)
        #expect(items == [.tooLong])
    }

    @Test("a line that is not UTF-8 is reported with its size")
    func notUTF8() {
        var framer = LineFramer()
        #expect(framer.feed([0x52, 0xFF, 0xFE, 0x0A]) == [.notUTF8(byteCount: 3)])
    }

    @Test("framing goes on with the next line after a line that is not UTF-8")
    func continuesAfterNotUTF8() {
        var framer = LineFramer()
        #expect(framer.feed([0xC3, 0x0A] + bytes("List Peers\n")) == [.notUTF8(byteCount: 1), .line("List Peers")])
    }

    /// Lines are checked for ASCII eight bytes at a time and the rest byte by byte: a byte of
    /// 0x80 or above anywhere (in a word or in the tail) sends the line to full validation.
    @Test("a non-ASCII byte at any position of a line is validated, not taken as ASCII", arguments: 0..<21)
    func nonASCIIAtEveryPosition(_ position: Int) {
        var framer = LineFramer()
        var invalid = bytes("01234567890123456789")
        invalid.insert(0xFF, at: position)
        var valid = bytes("01234567890123456789")
        valid.insert(contentsOf: bytes("é"), at: position)
        #expect(framer.feed(invalid + [0x0A]) == [.notUTF8(byteCount: 21)])
        #expect(framer.feed(valid + [0x0A]) == [.line(String(decoding: valid, as: UTF8.self))])
    }

    @Test("valid multi-byte UTF-8 split across feeds is one line")
    func multiByteAcrossFeeds() {
        var framer = LineFramer()
        let text = bytes("Error:héllo\n")
        #expect(framer.feed(Array(text[..<8])) == [])
        #expect(framer.feed(Array(text[8...])) == [.line("Error:héllo")])
    }

    @Test("pendingByteCount counts the bytes of an unfinished line")
    func pendingAfterPartialLine() {
        var framer = LineFramer()
        _ = framer.feed(bytes("List Peers\nRegi"))
        #expect(framer.pendingByteCount == 4)
        _ = framer.feed(bytes("ster"))
        #expect(framer.pendingByteCount == 8)
    }

    @Test("pendingByteCount is zero after a whole line")
    func noPendingAfterWholeLine() {
        var framer = LineFramer()
        _ = framer.feed(bytes("Regi"))
        _ = framer.feed(bytes("ster:127.0.0.1:6001\n"))
        #expect(framer.pendingByteCount == 0)
    }
}

@Suite("LineFramer end of stream")
struct LineFramerFinishTests {
    @Test func theUnfinishedLastLineIsGivenAtTheEnd() {
        var framer = LineFramer()
        #expect(framer.feed(Array("broadcast\nbroad".utf8)) == [.line("broadcast")])
        #expect(framer.finish() == .line("broad"))
        #expect(framer.finish() == nil)
    }

    @Test func nothingIsLeftAfterACompleteLine() {
        var framer = LineFramer()
        _ = framer.feed(Array("broadcast\n".utf8))
        #expect(framer.finish() == nil)
    }

    @Test("feeding at most n lines stops after the n-th newline and says how many bytes it took")
    func feedAtMostNLines() {
        var framer = LineFramer()
        var items: [LineFramer.Item] = []
        let input = bytes("a\nbb\nccc\ndd")
        let taken = input.withUnsafeBytes { framer.feed($0, maxItems: 2) { items.append($0) } }
        #expect(items == [.line("a"), .line("bb")])
        #expect(taken == 5)
        // The rest, fed later, goes on where it stopped; an unfinished line costs no item.
        items = []
        let rest = Array(input[taken...])
        let takenLater = rest.withUnsafeBytes { framer.feed($0, maxItems: 2) { items.append($0) } }
        #expect(items == [.line("ccc")])
        #expect(takenLater == rest.count)
        #expect(framer.pendingByteCount == 2)
    }
}
