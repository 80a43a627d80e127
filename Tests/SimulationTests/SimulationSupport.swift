import GossipCore
import GossipSimulation

/// A small network with the specification's timings unless a test says otherwise.
func network(
    peers: Int, seeds: Int = 5, broadcasts: Int = 5, rngSeed: UInt64, _ adjust: (inout SimulationSettings) -> Void = { _ in }
) -> SimulationSettings {
    var settings = SimulationSettings()
    settings.peers = peers
    settings.seeds = seeds
    settings.broadcasts = broadcasts
    settings.rngSeed = rngSeed
    settings.latency = .exponential(mean: .milliseconds(2))
    adjust(&settings)
    return settings
}

/// Runs a simulation to its end.
func simulate(_ settings: SimulationSettings) -> SimulationReport {
    Simulation(settings: settings).run()
}
