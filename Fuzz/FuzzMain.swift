// libFuzzer's entry points for the protocol core. Built by `Fuzz/build.sh` with
// `swiftc -sanitize=fuzzer -parse-as-library` together with the `GossipCore` sources (the core
// imports nothing, so its files compile straight into this module). One binary holds every
// target; `GOSSIP_FUZZ_TARGET` picks the one to run (`Fuzz/run.sh <target>` sets it).
//
// A broken property calls `fuzzFailure`, which traps: libFuzzer reports the crash and saves
// the input. `GOSSIP_FUZZ_TRACE=1` prints what a seed or peer script does, step by step, for
// reading a saved input.

import Glibc

/// The properties a target checks, one per part of the core.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// Line framing over arbitrary chunks, the decoder, the gossip fast path, encode/decode.
    case codec
    /// The config file parser, addresses, hosts, timestamps: parse, print, parse again.
    case config
    /// A seed driven by a random event script.
    case seed
    /// A peer driven by a random event script.
    case peer
    /// A seed or a peer behind the cluster key, driven by a random event script.
    case auth

    /// The target named by `GOSSIP_FUZZ_TARGET`; nil when it is unset or unknown.
    static let selected: FuzzTarget? = environment("GOSSIP_FUZZ_TARGET").flatMap(FuzzTarget.init(rawValue:))

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .codec: CodecTarget.run(input)
        case .config: ConfigTarget.run(input)
        case .seed: SeedTarget.run(input)
        case .peer: PeerTarget.run(input)
        case .auth: AuthTarget.run(input)
        }
    }
}

/// Whether to print each script step (`GOSSIP_FUZZ_TRACE=1`): for reading a crash input.
let tracing = environment("GOSSIP_FUZZ_TRACE") == "1"

/// Whether to check the properties issue 11 asks for that the core does not have yet
/// (`GOSSIP_FUZZ_STRICT=1`); each such check names the issue and the branch that brings it.
let strictChecks = environment("GOSSIP_FUZZ_STRICT") == "1"

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// A property did not hold: say which, then trap so that libFuzzer keeps the input.
func fuzzFailure(_ what: String) -> Never {
    printError("FUZZ PROPERTY BROKEN: \(what)")
    fatalError(what)
}

/// Checks a property; `what` is only built when it fails.
func require(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition { fuzzFailure(what()) }
}

/// Writes a line to standard error (file descriptor 2: the C `stderr` global is not
/// concurrency-safe to name in Swift 6).
func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Written unbuffered (to standard error), so a trace ends where the property broke.
func trace(_ text: @autoclosure () -> String) {
    if tracing { printError(text()) }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    if let directory = environment("GOSSIP_FUZZ_WRITE_SEEDS") {
        // Regenerates the scripted part of the checked-in corpus (Fuzz/corpus/seed, .../peer).
        CorpusScripts.write(into: directory)
        exit(0)
    }
    guard FuzzTarget.selected != nil else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        printError("Set GOSSIP_FUZZ_TARGET to one of: \(names) (or use Fuzz/run.sh <target>)")
        exit(2)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = FuzzTarget.selected else { return 0 }
    target.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
