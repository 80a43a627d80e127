import GossipCore
import GossipSimulation
import Testing

/// The overlay that joining peers build is connected: every newcomer links to at least one
/// peer that joined before it, and peers short of links refresh their candidates.
@Suite struct OverlayTests {
    @Test(arguments: [(10, 1), (50, 2), (200, 3), (1000, 4)] as [(Int, UInt64)])
    func peersJoiningAtOnceBuildAConnectedOverlay(peers: Int, rngSeed: UInt64) {
        let report = simulate(network(peers: peers, broadcasts: 1, rngSeed: rngSeed))
        #expect(report.components == 1)
        #expect(report.degree.min >= 1)
    }

    @Test(arguments: [(100, 5), (500, 6), (2000, 7)] as [(Int, UInt64)])
    func peersJoiningOverTimeBuildAConnectedOverlay(peers: Int, rngSeed: UInt64) {
        let report = simulate(network(peers: peers, broadcasts: 1, rngSeed: rngSeed) { $0.joinOver = .seconds(10) })
        #expect(report.components == 1)
    }

    @Test func tenThousandPeersBuildAConnectedOverlay() {
        let report = simulate(
            network(peers: 10_000, seeds: 10, broadcasts: 1, rngSeed: 11) {
                $0.latency = .fixed(.milliseconds(1))
                $0.until = .seconds(4)
            })
        #expect(report.components == 1)
        #expect(report.delivery == 1)
    }

    @Test func componentsAreCountedFromTheEdges() {
        let two = Overlay(nodeCount: 5, edges: [(0, 1), (1, 2), (3, 4)])
        #expect(two.componentCount() == 2)
        #expect(!two.isConnected)
        let one = Overlay(nodeCount: 3, edges: [(0, 1), (1, 2), (2, 0)])
        #expect(one.isConnected)
        #expect(one.degrees().min == 2)
    }
}
