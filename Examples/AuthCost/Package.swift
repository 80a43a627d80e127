// swift-tools-version: 6.0
import PackageDescription

/// What the cluster key costs, measured in-process on the protocol core alone (docs/LIMITS.md,
/// "Cluster key"): `swift run -c release --package-path Examples/AuthCost`.
let package = Package(
    name: "AuthCost",
    dependencies: [.package(name: "Gossip", path: "../..")],
    targets: [
        .executableTarget(
            name: "AuthCost", dependencies: [.product(name: "GossipCore", package: "Gossip")],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
