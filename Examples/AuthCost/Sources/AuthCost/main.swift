import Glibc
import GossipCore

// Measures, with the monotonic clock and the protocol core only (no sockets, no log):
// - HMAC-SHA-256 of one gossip line: what a MAC per line would cost, per copy made or checked;
// - one whole handshake: hello made, checked by the acceptor, welcome made and checked;
// - a relaying peer's time per received gossip line, bare and wrapped in `Authenticated`.
// Each figure is this thread's CPU time (not the wall clock: the machine is shared, and a
// loaded one stretches wall time several-fold), the best of 5 rounds.

let key = try ClusterKey(Array("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".utf8))
func cpuNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}
let wall0: Int64 = 1_795_287_680_000

func now(_ ms: Int64) -> Now { Now(instant: Instant(nanoseconds: ms * 1_000_000), wall: Timestamp(milliseconds: wall0 + ms)) }

func best(_ rounds: Int = 5, count: Int, _ body: () -> Void) -> Double {
    var fastest = Double.infinity
    for _ in 0..<rounds {
        let start = cpuNanoseconds()
        body()
        fastest = min(fastest, (cpuNanoseconds() - start) / Double(count))
    }
    return fastest
}

func show(_ name: String, _ nanoseconds: Double) {
    let text = nanoseconds >= 10_000 ? "\(Int(nanoseconds / 1000)) µs" : "\(Int(nanoseconds + 0.5)) ns"
    print(name.padding(58) + text)
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

func measureCrypto() throws {
    // 1. One MAC over a gossip line.
    let line = Array("1795287680.731:127.0.0.1:6001:123456".utf8)
    let mac = HMACSHA256(key: Array("0123456789abcdef0123456789abcdef".utf8))
    var sink: UInt8 = 0
    let macCount = 50_000
    show(
        "HMAC-SHA-256 of a 36-byte gossip line",
        best(count: macCount) {
            for _ in 0..<macCount { sink ^= mac.code(for: line)[0] }
        })
    if sink == 42 { print("") }

    // 2. Whole handshakes, accepted by a keyed seed.
    let handshakeCount = 20_000
    var seed = Authenticated(
        SeedProtocol(address: try NodeAddress(parsing: "127.0.0.1:5001"), rng: SeededRandom(seed: 1)), key: key,
        rng: SeededRandom(seed: 2), nonceCapacity: 1 << 20)
    var rng = SeededRandom(seed: 3)
    var connection = 0
    var actions: [Action] = []
    seed.logging = false
    show(
        "one handshake (both proofs made and checked)",
        best(count: handshakeCount) {
            for _ in 0..<handshakeCount {
                connection += 1
                let id = ConnectionID(.inbound, connection)
                let hello = AuthLine.Hello(key: key, destination: seed.address, timestamp: now(0).wall, nonce: Nonce(using: &rng))
                actions.removeAll(keepingCapacity: true)
                seed.handle(.accepted(id, remote: seed.address), now: now(0), actions: &actions)
                seed.handle(.line(id, Message.auth(.hello(hello)).encoded), now: now(0), actions: &actions)
                guard case .send(_, .auth(.welcome(let code))) = actions.last, code == hello.welcomeCode(key) else {
                    fatalError("no welcome")
                }
                seed.handle(.closed(id, .endOfStream), now: now(0), actions: &actions)
            }
        })

}
if CommandLine.arguments.count != 4 { try measureCrypto() }

// 3. A relaying peer with four links, fed unique gossip lines from one of them.
func linkedPeer<Instance: NodeInstance>(_ wrap: (PeerProtocol) -> Instance) -> (Instance, ConnectionID) {
    let me = try! NodeAddress(parsing: "127.0.0.1:6001")
    let seedAddress = try! NodeAddress(parsing: "127.0.0.1:5001")
    var settings = PeerSettings(address: me, seeds: [seedAddress])
    settings.messageCount = 0
    settings.maxLinks = 4
    var peer = wrap(PeerProtocol(settings: settings, rng: SeededRandom(seed: 9)))
    peer.logging = false
    let neighbours = (1...4).map { try! NodeAddress(parsing: "127.0.0.1:700\($0)") }
    // Play the seed and the neighbours: a welcome to each hello, the peer list to the
    // registration, acceptance to each link request.
    var queue = peer.start(now: now(0))
    var dialled: [ConnectionID: NodeAddress] = [:]
    var first: ConnectionID?
    var index = 0
    while index < queue.count, index < 10_000 {
        let action = queue[index]
        index += 1
        switch action {
        case .connect(let id, let to):
            dialled[id] = to
            queue += peer.handle(.connected(id), now: now(1))
        case .send(let id, .auth(.hello(let hello))):
            queue += peer.handle(.line(id, Message.auth(.welcome(code: hello.welcomeCode(key))).encoded), now: now(2))
        case .send(let id, .register):
            queue += peer.handle(.line(id, Message.peerList(neighbours).encoded), now: now(2))
        case .send(let id, .linkRequest):
            guard let to = dialled[id] else { continue }
            if to == neighbours[0] { first = id }
            queue += peer.handle(.line(id, Message.linkAccepted(to).encoded), now: now(2))
        default:
            break
        }
    }
    return (peer, first!)
}

// `AuthCost relay bare|wrapped N`: only that, N lines, once (for instruction counts under
// `valgrind --tool=callgrind`, which do not depend on the machine's load).
let arguments = CommandLine.arguments
let lineCount = arguments.count == 4 ? Int(arguments[3])! : 200_000
let texts = (1...lineCount).map { "\(Timestamp(milliseconds: wall0 + 5)):127.0.0.1:7001:\($0)" }
/// One round: a fresh linked peer takes every line; returns the CPU time per line.
func relayRound<Instance: NodeInstance>(_ wrap: (PeerProtocol) -> Instance) -> Double {
    var (peer, from) = linkedPeer(wrap)
    var actions: [Action] = []
    var forwarded = 0
    let start = cpuNanoseconds()
    for text in texts {
        actions.removeAll(keepingCapacity: true)
        peer.handle(.line(from, text), now: now(10), actions: &actions)
        forwarded += actions.count
    }
    let perLine = (cpuNanoseconds() - start) / Double(lineCount)
    if forwarded < 3 * lineCount { fatalError("the links did not come up: \(forwarded) actions") }
    return perLine
}
if arguments.count == 4 {
    _ = arguments[2] == "wrapped" ? relayRound { Authenticated($0, key: key, rng: SeededRandom(seed: 4)) } : relayRound { $0 }
    exit(0)
}
// Rounds alternate, so that both see the same machine.
var bare = Double.infinity
var wrapped = Double.infinity
for _ in 0..<7 {
    bare = min(bare, relayRound { $0 })
    wrapped = min(wrapped, relayRound { Authenticated($0, key: key, rng: SeededRandom(seed: 4)) })
}
show("relaying peer, per gossip line: bare instance", bare)
show("relaying peer, per gossip line: in Authenticated", wrapped)
