import Testing

/// Every test that runs the real programs, one at a time: they share two cores, and their
/// short timings (liveness every 0.3 s) should not compete with each other.
@Suite(.serialized) enum ProcessTests {}
