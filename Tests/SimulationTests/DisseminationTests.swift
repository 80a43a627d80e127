import GossipCore
import GossipSimulation
import Testing

/// Flooding over a connected overlay without loss: every live peer gets every message, once.
@Suite struct DisseminationTests {
    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func everyLivePeerReceivesEveryMessageExactlyOnce(rngSeed: UInt64) {
        let report = simulate(network(peers: 150, rngSeed: rngSeed))
        #expect(report.components == 1, "the overlay is connected")
        #expect(report.delivery == 1, "\(report.deliveredPairs) of \(report.expectedPairs) delivered")
        #expect(report.duplicateDeliveries == 0)
        #expect(report.incompleteMessages == 0)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func peersJoiningWhileMessagesSpreadStillGetThem(rngSeed: UInt64) {
        // Half the peers join after the broadcasts: they catch up from their first neighbours.
        let report = simulate(
            network(peers: 120, rngSeed: rngSeed) {
                $0.joinOver = .seconds(4)
                $0.broadcastAt = .seconds(1)
            })
        #expect(report.delivery == 1)
        #expect(report.duplicateDeliveries == 0)
    }

    @Test func aBroadcastReachesEveryoneInAFewHopsAndWithinMilliseconds() throws {
        let report = simulate(
            network(peers: 1000, seeds: 10, broadcasts: 10, rngSeed: 1) { $0.latency = .fixed(.milliseconds(1)) })
        #expect(report.delivery == 1)
        // A random graph of mean degree ~8 over 1,000 peers has a diameter near log(1000)/log(7) ≈ 4.
        #expect(report.maxHops <= 8)
        let slowest = try #require(report.coverageMax)
        #expect(slowest <= Double(report.maxHops) * 0.001 + 1e-9)
    }
}
