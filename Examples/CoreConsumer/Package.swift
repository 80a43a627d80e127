// swift-tools-version: 6.0
import PackageDescription

/// Someone else's program that depends on the protocol core alone: it checks that `GossipCore`
/// builds as a dependency (no unsafe flags, no I/O module) in release. `.ci/run` builds it.
let package = Package(
    name: "CoreConsumer",
    dependencies: [.package(name: "Gossip", path: "../..")],
    targets: [
        .executableTarget(
            name: "CoreConsumer", dependencies: [.product(name: "GossipCore", package: "Gossip")],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
