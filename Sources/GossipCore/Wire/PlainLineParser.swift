/// The fast path for the protocol lines an idle network exchanges all the time (liveness
/// requests and replies, registrations and their peer lists, links, dead-node reports) when
/// every address in them is a plain IPv4 one, parsed in one pass over the bytes.
///
/// Like `GossipLineParser`, it accepts only what the general decoder reads the same way (the
/// canonical spelling) and says nil for anything else, which then goes through the general
/// decoder and gets its precise error. Measured on an idle peer at a 1 s liveness interval
/// (callgrind), the general decoder's `Character`-level scanning was 57 % of the instructions
/// of a wake-up (docs/PERFORMANCE.md, "Idle CPU").
enum PlainLineParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Message? {
        var line = ByteCursor(bytes)
        let colon = UInt8(ascii: ":")
        let message: Message
        if line.expect("Liveness Request:") {
            guard let timestamp = line.timestamp(), line.expect(colon), let sender = line.address() else { return nil }
            message = .livenessRequest(timestamp: timestamp, sender: sender)
        } else if line.expect("Liveness Reply:") {
            guard let timestamp = line.timestamp(), line.expect(colon), let sender = line.address(),
                line.expect(colon), let replier = line.address()
            else { return nil }
            message = .livenessReply(timestamp: timestamp, sender: sender, replier: replier)
        } else if line.expect("Register:") {
            guard let address = line.address() else { return nil }
            message = .register(address)
        } else if line.expect("Peer List:") {
            var list: [NodeAddress] = []
            if !line.isAtEnd {
                repeat {
                    guard let address = line.address() else { return nil }
                    list.append(address)
                } while line.expect(UInt8(ascii: ","))
            }
            message = .peerList(list)
        } else if line.expect("Link Request:") {
            guard let address = line.address() else { return nil }
            message = .linkRequest(address)
        } else if line.expect("Link Accepted:") {
            guard let address = line.address() else { return nil }
            message = .linkAccepted(address)
        } else if line.expect("Dead Node:") {
            guard let dead = line.address(), line.expect(colon), let timestamp = line.timestamp(),
                line.expect(colon), let reporter = line.address()
            else { return nil }
            message = .deadNode(dead: dead, timestamp: timestamp, reporter: reporter)
        } else {
            return nil
        }
        return line.isAtEnd ? message : nil
    }
}
