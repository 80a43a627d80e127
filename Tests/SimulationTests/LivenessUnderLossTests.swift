import GossipCore
import GossipOptions
import GossipSimulation
import Testing

/// Loss makes TCP late, never wrong: with the default liveness settings (a request every 13 s,
/// dead after 3 misses), no live peer is dropped by a seed, and hardly any is even reported.
///
/// Why this holds up to 20 % segment loss: a request counts as missed only if its reply is
/// later than the reply time-out, 6.5 s. TCP resends a lost segment after 0.2, 0.4, 0.8, ...
/// s; a reply 6.5 s late needs the request or the reply lost 5 times in a row
/// (0.2 + ... + 3.2 = 6.2 s), which at p = 0.2 happens with probability about
/// 2 × 0.2^5 ≈ 6.4e-4 per request; three such requests in a row to one neighbour, about
/// 2.6e-10. A run here checks about 10^4 requests.
@Suite struct LivenessUnderLossTests {
    @Test(arguments: [(0.05, 1), (0.1, 2), (0.2, 3), (0.2, 4), (0.2, 5), (0.2, 6)] as [(Double, UInt64)])
    func noLivePeerIsReportedDeadUnderLoss(loss: Double, rngSeed: UInt64) {
        let report = simulate(
            network(peers: 80, broadcasts: 3, rngSeed: rngSeed) {
                $0.loss = loss
                $0.until = .seconds(120)
            })
        #expect(report.falseDrops == 0, "a seed checks a report before it drops anyone")
        #expect(report.falseDeadReports <= 2)
        #expect(report.delivery == 1, "loss delays messages, it does not lose them")
    }

    /// The lab's setting (3 seeds, 16 peers, liveness every second): at this pace loss does get
    /// live peers reported, and the seeds' check must keep every one of them listed.
    @Test(arguments: [(0.1, 11), (0.2, 12), (0.2, 13)] as [(Double, UInt64)])
    func noLivePeerIsDroppedUnderLossAtOneSecondLiveness(loss: Double, rngSeed: UInt64) {
        var timing = PeerTiming()
        timing.livenessInterval = .seconds(1)
        let report = simulate(
            network(peers: 16, broadcasts: 3, rngSeed: rngSeed) {
                $0.timing = timing
                $0.loss = loss
                $0.until = .seconds(120)
            })
        #expect(report.falseDrops == 0, "\(report.falseDeadReports) reports about live peers, none confirmed")
        #expect(report.delivery == 1)
    }
}
