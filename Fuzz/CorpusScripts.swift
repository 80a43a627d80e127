import Glibc

/// The scripted seeds of the checked-in corpus (`Fuzz/corpus/seed`, `Fuzz/corpus/peer`): a few
/// honest runs and a few hostile ones, so the fuzzer starts from deep states rather than from
/// nothing. Written by `GOSSIP_FUZZ_WRITE_SEEDS=Fuzz/corpus .build/fuzz/gossip-fuzz`.
enum CorpusScripts {
    static func write(into directory: String) {
        for (target, scripts) in [("seed", seedScripts), ("peer", peerScripts)] {
            let folder = directory + "/" + target
            mkdir(folder, 0o755)
            for (name, script) in scripts {
                let path = folder + "/script-" + name
                guard let file = fopen(path, "wb") else { fuzzFailure("cannot write \(path)") }
                _ = script.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
                print("wrote \(path) (\(script.bytes.count) bytes)")
            }
        }
    }

    /// Seed settings byte 5: 127.0.0.1:5001, at most 6 peers.
    static var seedScripts: [(String, Script)] {
        var honest = Script(setup: 5)
        for k: UInt8 in 0..<3 { honest.special1([0, k]) }  // 127.0.0.1:6001...6003 register.
        honest.op(.accept, [0, 9])
        honest.line(0x04, "List Peers")
        honest.line(0x04, "List Members:0")
        honest.line(0x04, "List Members:2")
        for _ in 0..<4 { honest.op(.nextTimer) }
        honest.line(0x01, "Register:127.0.0.1:6001")  // A renewal.
        honest.line(0x02, "Leave:127.0.0.1:6002")

        var probe = Script(setup: 5)
        for k: UInt8 in 0..<3 { probe.special1([0, k]) }
        probe.line(0x01, "Dead Node:127.0.0.1:6002:1795287680.000:127.0.0.1:6001")
        probe.answer(0x81, 0)  // The probe gets its liveness reply: still alive.
        probe.line(0x03, "Dead Node:127.0.0.1:6002:1795287681.500:127.0.0.1:6003")
        probe.op(.connectFailed, [0x82, 1])  // Refused: dropped.
        probe.op(.close, [0x01, 0])  // A registration connection closes: suspect, probed.
        for _ in 0..<8 { probe.op(.nextTimer) }

        var full = Script(setup: 0)  // At most one peer.
        full.special1([0, 0])
        full.special1([2, 1])
        full.special1([3, 2])
        full.special1([1, 3])
        full.op(.pause, [0, 200])  // 20 s: registrations expire.
        full.special1([1, 3])

        var hostile = Script(setup: 5)
        hostile.op(.accept, [1, 7])
        hostile.line(0x01, "Register:127.0.0.9:6001")  // Not this connection's host.
        hostile.line(0x01, "Register:0.0.0.0:6001")
        hostile.line(0x01, "Error:oops")
        hostile.line(0x01, "Peer List:127.0.0.1:6001")
        hostile.line(0x01, "Dead Node:127.0.0.1:6001:1795287680.000:127.0.0.2:6001")
        hostile.op(.chunk, [0x01, 4, 0xFF, 0xFE, 0x0A, 0x41])
        hostile.op(.chunk, [0x01, 200] + Array(repeating: 0x41, count: 200))
        hostile.line(0x01, String(repeating: "x", count: 300))
        hostile.op(.close, [0x01, 0])

        // Fuzzer findings, fixed: `List Members` past the end got `Members:2:1:`, which no
        // reader takes; a peer registered the seed's own address, and the seed probed itself.
        var membersPastEnd = Script(setup: 5)
        membersPastEnd.special1([0, 0])
        membersPastEnd.line(0x01, "List Members:2")
        var ownAddress = Script(setup: 5)
        ownAddress.op(.accept, [0, 1])
        ownAddress.line(0x01, "Register:127.0.0.1:5001")
        ownAddress.line(0x01, "Leave:127.0.0.1:5001")
        ownAddress.op(.close, [0x01, 0])
        ownAddress.op(.nextTimer)

        return [
            ("honest", honest), ("probe", probe), ("full", full), ("hostile", hostile),
            ("regression-members-past-end", membersPastEnd), ("regression-own-address", ownAddress),
        ]
    }

    /// Peer settings byte 4: 127.0.0.1:6001, three seeds (two asked), three own messages.
    static var peerScripts: [(String, Script)] {
        var honest = Script(setup: 4)
        honest.answer(0x81, 4)  // Seed lists 6002...6005.
        honest.answer(0x82, 3)
        honest.answer(0x83, 0)  // Links accepted.
        honest.answer(0x84, 0)
        honest.line(0x83, "1795287680.000:127.0.0.1:6002:1")
        honest.line(0x84, "1795287680.000:127.0.0.1:6002:1")  // A duplicate.
        for _ in 0..<6 {
            honest.op(.nextTimer)
            honest.answer(0x83, 0)
        }
        honest.special2([0, 5])  // 127.0.0.1:6006 links to us.
        honest.line(0x01, "Liveness Request:1795287681.000:127.0.0.1:6006")
        honest.line(0x01, "1795287681.000:127.0.0.1:6006:1")
        honest.line(0x01, "Leave:127.0.0.1:6006")
        honest.special1([100])  // broadcast

        var dead = Script(setup: 4)
        dead.answer(0x81, 2)
        dead.answer(0x82, 2)
        dead.answer(0x83, 0)
        dead.answer(0x84, 0)
        for _ in 0..<12 { dead.op(.nextTimer) }  // Nobody answers: cut off, then dead.
        dead.answer(0x81, 1)
        dead.op(.close, [0x82, 1])
        for _ in 0..<6 { dead.op(.nextTimer) }

        var inbound = Script(setup: 4 | 0x08)  // No own messages.
        for k: UInt8 in 0..<5 { inbound.special2([0, k]) }  // Past the inbound limit.
        inbound.special2([2, 1])  // [::1]
        inbound.special2([3, 2])  // [::ffff:127.0.0.1]
        inbound.op(.accept, [0, 1])
        inbound.line(0x08, "Liveness Request:1795287680.000:127.0.0.1:5001")  // A seed's probe.
        inbound.op(.close, [0x01, 0])
        inbound.op(.close, [0x02, 1])
        for _ in 0..<6 { inbound.op(.nextTimer) }

        var hostile = Script(setup: 4)
        hostile.answer(0x81, 1)
        hostile.op(.accept, [0, 3])
        hostile.line(0x01, "Link Request:127.0.0.2:6001")
        hostile.line(0x01, "Error:\u{1B}[2K fake")
        hostile.line(0x01, "1795287680.000:127.0.0.1:6002:0001")
        hostile.line(0x01, "99999999999999.000:127.0.0.1:6002:1")
        hostile.op(.chunk, [0x01, 3, 0xC3, 0x28, 0x0A])
        hostile.line(0x81, "Peer List:127.0.0.1:6001,0.0.0.0:6002,[::1]:6003")
        hostile.op(.pause, [0x10, 0])
        hostile.special1([0])  // stopping

        return [("honest", honest), ("dead", dead), ("inbound", inbound), ("hostile", hostile)]
    }
}

/// An event script under construction (`ScriptOp` explains the ops).
struct Script {
    var bytes: [UInt8]

    init(setup: UInt8) { bytes = [setup] }

    mutating func op(_ op: ScriptOp, _ arguments: [UInt8] = []) { bytes += [op.rawValue] + arguments }
    mutating func line(_ connection: UInt8, _ text: String) { op(.line, [connection] + Array(text.utf8) + [10]) }
    mutating func answer(_ connection: UInt8, _ choice: UInt8) { op(.answer, [connection, choice]) }
    mutating func special1(_ arguments: [UInt8]) { op(.special1, arguments) }
    mutating func special2(_ arguments: [UInt8]) { op(.special2, arguments) }
}
