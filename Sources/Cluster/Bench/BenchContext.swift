import Glibc
import GossipCore
import GossipRuntime

/// What every scenario needs: the bench directory, where the programs are, the interrupt-aware
/// wait, and a place for progress lines (standard error, so standard output is the table).
final class BenchContext {
    let root: BenchDirectory
    let binaries: String
    let interrupts: Interrupts
    let quick: Bool
    /// With `--cluster-key`: the key every node is started with, and its file.
    let clusterKey: ClusterKeySetting?

    init(root: BenchDirectory, binaries: String, interrupts: Interrupts, quick: Bool, clusterKey: ClusterKeySetting? = nil) {
        self.root = root
        self.binaries = binaries
        self.interrupts = interrupts
        self.quick = quick
        self.clusterKey = clusterKey
    }

    /// A new network in its own subdirectory; the caller stops it (`defer { net.stop() }`).
    func network(_ name: String) throws(BenchError) -> BenchNetwork {
        try BenchNetwork(in: root, name: name, binaries: binaries, interrupts: interrupts, clusterKeyFile: clusterKey?.path)
    }

    /// A fresh random cluster key in the bench directory (mode 600), read back as the nodes
    /// read it.
    struct ClusterKeySetting {
        let path: String
        let key: ClusterKey

        init(in root: BenchDirectory) throws(BenchError) {
            path = root.path + "/cluster.key"
            var system = SystemRandomNumberGenerator()
            // 64 hex digits: 256 random bits.
            var text = (0..<4).map { _ in Nonce(using: &system).description.prefix(16) }.joined() + "\n"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .failed("cannot write \(path): \(String(cString: strerror(errno)))") }
            text.withUTF8 { Files.writeAll(fd, UnsafeRawBufferPointer($0)) }
            close(fd)
            do { key = try ClusterKeyFile.read(path) } catch { throw .failed(error.description) }
        }
    }

    func progress(_ text: String) {
        NodeLauncher.standardError("bench: \(text)\n")
    }
}
