import GossipCore
import GossipRuntime

/// Why a benchmark stopped before its figures were complete.
enum BenchError: Error, CustomStringConvertible {
    /// SIGINT or SIGTERM arrived; every child is stopped on the way out.
    case interrupted(Int32)
    case failed(String)

    var description: String {
        switch self {
        case .interrupted(let signal): return "interrupted by \(SignalPipe.name(signal))"
        case .failed(let text): return text
        }
    }
}
