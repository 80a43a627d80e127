import GossipCore
import GossipOptions
import GossipSimulation
import Testing

/// A crashed peer is dropped by every seed that listed it within
/// `liveness-interval × (liveness-misses + 1)` plus the latency of the report; in fact within
/// `interval × misses + reply time-out + interval / 8` (the last unanswered request is sent at
/// most `misses` intervals, plus once an eighth, after the crash, and counted when its
/// time-out ends).
@Suite struct CrashDetectionTests {
    @Test(arguments: 1...8 as ClosedRange<UInt64>)
    func everyCrashedPeerIsDroppedByEverySeedInTime(rngSeed: UInt64) throws {
        var timing = PeerTiming()
        timing.livenessInterval = .seconds(1)
        let report = simulate(
            network(peers: 100, rngSeed: rngSeed) {
                $0.timing = timing
                $0.latency = .fixed(.milliseconds(5))
                $0.crashes = [.init(count: 5, at: .seconds(4)), .init(count: 3, at: .milliseconds(6500))]
            })
        #expect(report.detection.count + report.crashesListedByNoSeed == 8)
        #expect(report.crashesListedByNoSeed == 0, "every peer registered with a quorum of seeds")
        for seconds in report.detection {
            let detected = try #require(seconds, "a crashed peer is still listed by a seed")
            #expect(detected <= 1.0 * 4 + 0.005 + 0.005, "the property's bound")
            // A round may run an eighth of an interval late once, after a neighbour it kept step
            // with stops asking (PeerProtocol+Liveness, joinRoundToRequest).
            #expect(detected <= 1.0 * 3 + 0.5 + 0.125 + 0.005 + 0.005, "the tighter bound of the reply time-out")
        }
        #expect(report.falseDeadReports == 0)
    }

    /// A crashed process's connections are reset by its kernel: each seed it registered with
    /// sees its registration connection close, probes its port, is refused, and drops it, in a
    /// few round trips, long before any neighbour has counted three misses (39 s at 13 s × 3).
    @Test func withTheDefaultTimingsACrashIsDroppedInRoundTrips() throws {
        let report = simulate(network(peers: 60, rngSeed: 9) { $0.crashes = [.init(count: 2, at: .seconds(20))] })
        #expect(report.detection.count == 2)
        for seconds in report.detection {
            let detected = try #require(seconds)
            #expect(detected <= 1.0, "a refused probe is strong evidence: no waiting for misses")
        }
        #expect(report.falseDrops == 0)
    }
}
