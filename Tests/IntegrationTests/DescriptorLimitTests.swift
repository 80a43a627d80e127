import Foundation
import GossipCore
import Testing

/// A node out of file descriptors turns connections away instead of spinning on a listener it
/// cannot accept from (`EventLoop.shedOneConnection`). The limit is set on a child `seed`
/// process only (`ulimit -n`), never on the test process.
extension ProcessTests {
    @Suite struct DescriptorLimitTests {
        @Test func aSeedOutOfDescriptorsTurnsConnectionsAwayAndRecovers() throws {
            try withNetwork { net in
                let seed = try net.startSeed(descriptorLimit: 16)
                // Connect until the seed says it has no descriptor left. A connection it could
                // accept gets no line (a seed speaks when spoken to), so each wait is short.
                var clients: [LineClient] = []
                var refusal: String?
                for _ in 0..<40 where refusal == nil {
                    let client = try LineClient(port: seed.port)
                    clients.append(client)
                    refusal = client.readLine(timeout: 0.3)
                    if refusal != nil { #expect(client.awaitClose()) }
                }
                #expect(refusal == "Error:this node has no file descriptors left; try later")
                #expect(clients.count > 1, "some connections were accepted before the limit")
                #expect(seed.process.isRunning)

                // Once those connections close, the seed answers a fresh one again.
                for client in clients { client.close() }
                var peers: [String]?
                try waitUntil("the seed to answer List Peers", timeout: 10) {
                    peers = try? LineClient.listPeers(seedPort: seed.port)
                    return peers != nil
                }
                #expect(peers == [])
                try waitUntil("the seed to log the refusal", timeout: 5) {
                    net.logged(seed) { $0.kind == .turnedAwayNoDescriptors }
                }
            }
        }
    }
}
