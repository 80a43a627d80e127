import GossipCore
import GossipSimulation
import Testing

@Suite struct DeterminismTests {
    static func small(seed: UInt64) -> SimulationSettings {
        var settings = SimulationSettings()
        settings.seeds = 3
        settings.peers = 60
        settings.broadcasts = 5
        settings.rngSeed = seed
        settings.latency = .exponential(mean: .milliseconds(2))
        settings.loss = 0.05
        settings.crashes = [.init(count: 2, at: .seconds(10))]
        return settings
    }

    @Test func theSameSettingsGiveTheSameTrace() {
        let first = Simulation(settings: Self.small(seed: 7)).run()
        let second = Simulation(settings: Self.small(seed: 7)).run()
        #expect(first.traceDigest == second.traceDigest)
        #expect(first.events == second.events)
    }

    @Test func anotherSeedGivesAnotherTrace() {
        let first = Simulation(settings: Self.small(seed: 7)).run()
        let second = Simulation(settings: Self.small(seed: 8)).run()
        #expect(first.traceDigest != second.traceDigest)
    }
}
