import GossipCore

// A shell of its own, in a dozen lines: start one peer instance with a made-up clock and print
// what it asks for. No sockets: the instance only returns actions.
let seed = try NodeAddress(parsing: "127.0.0.1:5001")
let me = try NodeAddress(parsing: "127.0.0.1:6001")
var peer = PeerProtocol(settings: PeerSettings(address: me, seeds: [seed]), rng: SeededRandom(seed: 1))
let now = Now(instant: Instant(nanoseconds: 0), wall: Timestamp(milliseconds: 1_700_000_000_000))
for action in peer.start(now: now) {
    print(action)
}
