import GossipCore
import GossipRuntime

/// What every scenario needs: the bench directory, where the programs are, the interrupt-aware
/// wait, and a place for progress lines (standard error, so standard output is the table).
final class BenchContext {
    let root: BenchDirectory
    let binaries: String
    let interrupts: Interrupts
    let quick: Bool

    init(root: BenchDirectory, binaries: String, interrupts: Interrupts, quick: Bool) {
        self.root = root
        self.binaries = binaries
        self.interrupts = interrupts
        self.quick = quick
    }

    /// A new network in its own subdirectory; the caller stops it (`defer { net.stop() }`).
    func network(_ name: String) throws(BenchError) -> BenchNetwork {
        try BenchNetwork(in: root, name: name, binaries: binaries, interrupts: interrupts)
    }

    func progress(_ text: String) {
        NodeLauncher.standardError("bench: \(text)\n")
    }
}
