/// The line codec: what a node does with the bytes of a connection, from framing to messages.
///
/// Input: one byte that picks the line limit (the real 4096, or a small one so that the limit
/// is reached by short inputs), then the byte stream. Properties:
/// - framing does not depend on how the stream is cut: the whole stream at once and the same
///   stream in random chunks give the same items, the same unfinished tail and the same end;
/// - every line decodes the same through `Message(decoding: String)` (with the fast paths)
///   and the general `Message(decoding: Substring)`; `GossipLineParser` accepts exactly the
///   gossip lines with an IPv4 origin, with the same fields; `PlainLineParser` accepts only
///   lines the decoder reads the same way, and every such line written canonically;
/// - a decoded message encodes to one line within the limit that decodes again to the same
///   message (free text: to a message that encodes to the same line);
/// - `Message.quote` is printable; errors describe themselves.
enum CodecTarget {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        guard let first = data.first else { return }
        let limit = first & 1 == 0 ? Limits.maxLineBytes : 4 + Int(first >> 1)
        let stream = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: data[1...]))

        // The whole stream at once.
        var whole = LineFramer(maxLineBytes: limit)
        var wholeItems: [LineFramer.Item] = []
        whole.feed(stream) { wholeItems.append($0) }
        let wholePending = whole.pendingByteCount
        let wholeEnd = whole.finish()

        // The same stream in chunks of random sizes (from the stream itself, so replayable).
        var rng = SeededRandom(seed: UInt64(first) &* 0x9E37_79B9 &+ UInt64(stream.count))
        var chunked = LineFramer(maxLineBytes: limit)
        var chunkedItems: [LineFramer.Item] = []
        var offset = 0
        while offset < stream.count {
            let size = min(stream.count - offset, Int.random(in: 1...(rng.next() & 1 == 0 ? 8 : 2 * limit + 2), using: &rng))
            chunked.feed(UnsafeRawBufferPointer(rebasing: stream[offset..<offset + size])) { chunkedItems.append($0) }
            offset += size
        }
        require(chunkedItems == wholeItems, "framing depends on chunking: \(wholeItems) vs \(chunkedItems)")
        require(chunked.pendingByteCount == wholePending, "unfinished tail depends on chunking")
        require(chunked.failed == whole.failed, "failure depends on chunking")
        require(chunked.finish() == wholeEnd, "the end of the stream depends on chunking")

        var sawTooLong = false
        for item in wholeItems + (wholeEnd.map { [$0] } ?? []) {
            require(!sawTooLong, "an item after .tooLong")
            switch item {
            case .line(let text):
                require(text.utf8.count <= limit, "a line of \(text.utf8.count) bytes passed the limit \(limit)")
                require(!text.utf8.contains(10), "a line holds a newline")
                checkLine(text)
            case .notUTF8(let count):
                require(count <= limit, "a non-UTF-8 line of \(count) bytes passed the limit")
                _ = FramingError.notUTF8(byteCount: count).description
            case .tooLong:
                sawTooLong = true
            }
        }
        require(whole.failed == sawTooLong, "failed is set exactly when .tooLong was emitted")
    }

    /// Decodes one line every way a node can, and checks the ways agree.
    static func checkLine(_ text: String) {
        let general = decode(text[...])
        let viaString: Result<Message, WireError>
        do { viaString = .success(try Message(decoding: text)) } catch { viaString = .failure(error) }
        require(viaString == general, "decoding '\(text)' depends on the path: \(viaString) vs \(general)")

        var copy = text
        let fast = copy.withUTF8 { GossipLineParser.parse($0) }
        switch general {
        case .success(.gossip(let message)) where message.origin.host.isIPv4:
            guard let (timestamp, origin, sequence) = fast else {
                fuzzFailure("the gossip fast path refuses '\(text)', which the decoder takes")
            }
            require(
                timestamp == message.timestamp && origin == message.origin && sequence == message.sequence,
                "the gossip fast path reads '\(text)' differently")
        default:
            require(fast == nil, "the gossip fast path takes '\(text)', which the decoder refuses or reads otherwise")
        }

        let plain = copy.withUTF8 { PlainLineParser.parse($0) }
        if let plain {
            require(general == .success(plain), "the plain fast path reads '\(text)' otherwise than the decoder")
        } else if case .success(let message) = general, message.encoded == text, isPlain(message) {
            fuzzFailure("the plain fast path refuses '\(text)', a canonical line with IPv4 addresses only")
        }

        let quoted = Message.quote(text[...])
        require(
            quoted.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }, "Message.quote left a control character")

        switch general {
        case .failure(let error):
            require(!error.description.isEmpty, "an error without a description")
        case .success(let message):
            checkRoundTrip(message, line: text)
        }
    }

    /// The messages `PlainLineParser` reads, when every address in them is IPv4.
    static func isPlain(_ message: Message) -> Bool {
        switch message {
        case .livenessRequest(_, let a), .register(let a), .linkRequest(let a), .linkAccepted(let a):
            return a.host.isIPv4
        case .livenessReply(_, let a, let b), .deadNode(let a, _, let b):
            return a.host.isIPv4 && b.host.isIPv4
        case .peerList(let list):
            return list.allSatisfy(\.host.isIPv4)
        default:
            return false
        }
    }

    static func decode(_ text: Substring) -> Result<Message, WireError> {
        do { return .success(try Message(decoding: text)) } catch { return .failure(error) }
    }

    /// decoded -> encoded -> decoded is the same message (or, for free text, encodes the same).
    static func checkRoundTrip(_ message: Message, line: String) {
        let encoded = message.encoded
        require(!encoded.utf8.contains(10) && !encoded.utf8.contains(13), "'\(encoded)' is not one line")
        guard case .success(let again) = decode(encoded[...]) else {
            fuzzFailure("'\(line)' decodes, but its encoding '\(encoded)' does not: \(decode(encoded[...]))")
        }
        switch message {
        case .error, .linkRefused:
            // Free text is made one line and bounded when encoded: stable from then on.
            require(again.encoded == encoded, "free text re-encodes differently: '\(encoded)' then '\(again.encoded)'")
        case .gossip(let gossip):
            require(again == message, "'\(line)' round-trips to \(again)")
            // The message as its origin would have spelled it reads as the same fields.
            let canonical = GossipMessage(timestamp: gossip.timestamp, origin: gossip.origin, sequence: gossip.sequence)
            guard case .success(.gossip(let reread)) = decode(canonical.text[...]) else {
                fuzzFailure("the canonical spelling '\(canonical.text)' of '\(line)' does not decode")
            }
            require(
                reread.timestamp == gossip.timestamp && reread.origin == gossip.origin && reread.sequence == gossip.sequence,
                "the canonical spelling of '\(line)' reads differently")
        default:
            require(again == message, "'\(line)' decodes to \(message), its encoding '\(encoded)' to \(again)")
            require(again.encoded == encoded, "'\(encoded)' is not stable")
        }
        for address in addresses(in: message) { ConfigTarget.checkAddress(address) }
    }

    static func addresses(in message: Message) -> [NodeAddress] {
        switch message {
        case .register(let a), .linkRequest(let a), .linkAccepted(let a), .leave(let a): return [a]
        case .peerList(let list): return list
        case .deadNode(let dead, _, let reporter): return [dead, reporter]
        case .livenessRequest(_, let sender): return [sender]
        case .livenessReply(_, let sender, let replier): return [sender, replier]
        case .gossip(let message): return [message.origin]
        case .text(let message): return [message.origin]
        case .members(_, _, let rows): return rows.map(\.address)
        case .auth(.hello(let hello)): return [hello.destination]
        case .listPeers, .linkRefused, .error, .listMembers, .auth(.welcome): return []
        }
    }
}
