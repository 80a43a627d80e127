// swift-tools-version: 6.0
import PackageDescription

/// Seed and peer programs of the gossip network, and the library they share.
///
/// No package dependencies: everything here uses only what the Swift toolchain ships
/// (the standard library, Glibc, Synchronization, Swift Testing and Foundation in tests).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// The node programs are linked fully statically in release builds (Swift runtime and C
/// library inside the binary), with lld: an idle node then maps only the pages it uses, about
/// 4.5 MB resident instead of 10 MB with the shared Swift libraries (docs/PERFORMANCE.md). lld,
/// unlike gold, does not repeat glibc's note that `dlopen` in a static program needs glibc's
/// shared libraries at run time; the Swift runtime only uses `dlopen` to look for an optional
/// library of prespecialized metadata, which these programs do not ship.
///
/// `Linking/nodes.order` lists the functions an ordinary run executes; lld places them first,
/// together, so the pages an idle node touches are few (a page fault maps its 64 KiB around it:
/// scattered, the touched code kept most of the text resident). Names lld does not find are
/// skipped; `Linking/make-order.sh` writes the file again.
let nodeLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-executable", "-use-ld=lld",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Linking/nodes.order",
            "-Xlinker", "--no-warn-symbol-ordering",
        ], .when(configuration: .release))
]

let package = Package(
    name: "Gossip",
    products: [
        // The protocol alone: wire format and instances, standard library only, no unsafe flags,
        // so another program (or another shell) can depend on it by version.
        .library(name: "GossipCore", targets: ["GossipCore"]),
        .executable(name: "seed", targets: ["Seed"]),
        .executable(name: "peer", targets: ["Peer"]),
        .executable(name: "cluster", targets: ["Cluster"]),
    ],
    targets: [
        // Wire and Protocol: pure, deterministic, no I/O. Builds with nothing but the standard
        // library, so it carries no unsafe flags (SwiftPM refuses those in a dependency).
        .target(name: "GossipCore", swiftSettings: strictSettings),
        // The shell: sockets, the poll loop, timers, log files, signals, command-line options.
        .target(
            name: "GossipRuntime", dependencies: ["GossipCore", "GossipOptions"],
            swiftSettings: strictSettings + [
                // The runtime is one thread driving one `EventLoop` object; the dynamic checks of
                // its properties' exclusive access were 5-7 % of a relaying peer's time (perf).
                // Debug builds, which the tests use, keep them, so an overlapping access is still
                // caught there. Confined to this target: the protocol core stays free of flags.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]),
        // Command-line parsing shared by the programs and the simulator (pure, no I/O).
        .target(name: "GossipOptions", dependencies: ["GossipCore"], swiftSettings: strictSettings),
        // The reports' JSON writer and number formatting, for the bench and the simulator.
        .target(name: "GossipReport", swiftSettings: strictSettings),
        // `cluster report`: charts (SVG) and the HTML page around them, from values already read
        // (run logs, simulation and bench JSON). Pure: no I/O, so its layouts are unit-tested.
        .target(name: "GossipVisual", dependencies: ["GossipReport"], swiftSettings: strictSettings),
        // Drives the same protocol instances with virtual time and a modelled network.
        .target(
            name: "GossipSimulation", dependencies: ["GossipCore", "GossipOptions", "GossipReport"],
            swiftSettings: strictSettings + [
                // The simulator is one thread over one class; dynamic exclusivity checks of its
                // properties were a tenth of a 100,000-peer run's instructions (callgrind).
                // Debug builds, which the tests use, keep the checks.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]),
        .executableTarget(
            name: "Seed", dependencies: ["GossipCore", "GossipOptions", "GossipRuntime"], swiftSettings: strictSettings,
            linkerSettings: nodeLinking),
        .executableTarget(
            name: "Peer", dependencies: ["GossipCore", "GossipOptions", "GossipRuntime"], swiftSettings: strictSettings,
            linkerSettings: nodeLinking),
        // Depends on the node programs so that `swift run cluster` builds them too.
        .executableTarget(
            name: "Cluster",
            dependencies: [
                "GossipCore", "GossipOptions", "GossipRuntime", "GossipReport", "GossipSimulation", "GossipVisual", "Seed",
                "Peer",
            ],
            swiftSettings: strictSettings),
        .testTarget(name: "GossipCoreTests", dependencies: ["GossipCore"], swiftSettings: strictSettings),
        // The shell in-process: sockets, the event loop, the log sink, option parsing.
        .testTarget(name: "RuntimeTests", dependencies: ["GossipCore", "GossipOptions", "GossipRuntime"], swiftSettings: strictSettings),
        .testTarget(
            name: "SimulationTests", dependencies: ["GossipCore", "GossipOptions", "GossipSimulation"], swiftSettings: strictSettings),
        .testTarget(name: "VisualTests", dependencies: ["GossipReport", "GossipVisual"], swiftSettings: strictSettings),
        // Depends on the programs so that `swift test` builds the binaries it runs.
        .testTarget(
            name: "IntegrationTests", dependencies: ["GossipCore", "GossipRuntime", "Seed", "Peer", "Cluster"],
            exclude: ["Fixtures"], swiftSettings: strictSettings),
    ]
)
