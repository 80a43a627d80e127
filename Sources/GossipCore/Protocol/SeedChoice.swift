/// Which seeds a peer registers with: floor(n/2)+1 distinct seeds chosen at random.
///
/// Any two sets of that size out of n seeds intersect, so every two peers share at least one
/// seed, and a peer registered anywhere is listed by a majority of the seeds.
public enum SeedChoice {
    public static func quorum(of seedCount: Int) -> Int { seedCount / 2 + 1 }

    /// All the seeds in a random order: the first `quorum` are registered with; the others are
    /// the fallbacks tried, in order, when one of those cannot be reached.
    public static func order(_ seeds: [NodeAddress], using rng: inout some RandomNumberGenerator) -> [NodeAddress] {
        seeds.shuffled(using: &rng)
    }
}
