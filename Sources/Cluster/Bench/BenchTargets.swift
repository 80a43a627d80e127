/// The targets of issue 4 for this 2-core machine (release build), shown beside each figure.
enum BenchTargets {
    /// Full-coverage p99 by network size, in ms.
    static let p99Ms: [Int: Double] = [10: 5, 100: 20]
    /// Every (message, peer) pair delivered, at every N.
    static let delivery = 1.0
    /// Messages a second into the peer under test...
    static let inPerSecond = 500_000.0
    /// ...each forwarded to the 3 other neighbours.
    static let outPerSecond = 3 * inPerSecond
    /// SIGKILLs of a peer under the throughput flood (`killflood`), and the messages forwarded
    /// but missing from its log that they may show in all (write-ahead logging: none).
    static let killFloodKills = 20
    static let killFloodMissing = 0
    /// An idle node's resident memory: 6 MB, taken as 6,000,000 bytes.
    static let idleRSSBytes = 6_000_000
    /// An idle node's CPU at default timings and at a 1 s liveness interval, ms per second.
    static let idleCPUMsPerSecond = 0.05
    static let idleCPUMsPerSecondFastLiveness = 0.2
    /// The last seed drops a killed peer within this, at 1 s × 3 misses, every run.
    static let detectionLastSeconds = 4.0
}
