import Foundation
import Testing

/// GossipCore is the protocol alone: someone else's program or shell must be able to depend on
/// it, so it imports nothing but the standard library (docs/ARCHITECTURE.md). `.ci/run` also
/// builds it in release as another package's dependency (Examples/CoreConsumer).
@Suite("GossipCore purity")
struct PurityTests {
    @Test("no source file of GossipCore imports a module")
    func importsNothing() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/GossipCore").standardizedFileURL
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10, "found GossipCore's sources at \(root.path)")
        var offenders: [String] = []
        for file in files {
            let text = try String(contentsOfFile: root.appendingPathComponent(file).path, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.contains(" import ") && line.hasPrefix("@") {
                offenders.append("\(file): \(line)")
            }
        }
        #expect(offenders.isEmpty, "GossipCore must import nothing: \(offenders)")
    }
}
