import GossipCore

/// A stand-in for a seed or a peer in the shell's tests: it records every event it is fed and
/// answers with the actions the test's script gives for it.
struct ScriptedInstance: NodeInstance {
    /// The test's script: the actions for an event, given the events seen before it.
    typealias Script = (_ event: Event, _ now: Now, _ history: [Event]) -> [Action]

    let address: NodeAddress
    var logging = true
    private(set) var events: [Event] = []
    let atStart: (Now) -> [Action]
    let script: Script

    init(address: NodeAddress, atStart: @escaping (Now) -> [Action] = { _ in [] }, script: @escaping Script = { _, _, _ in [] }) {
        self.address = address
        self.atStart = atStart
        self.script = script
    }

    mutating func start(now: Now, actions: inout [Action]) {
        actions += atStart(now)
    }

    mutating func handle(_ event: Event, now: Now, actions: inout [Action]) {
        let answer = script(event, now, events)
        events.append(event)
        actions += answer
    }

    /// The connections accepted so far, in order.
    var accepted: [ConnectionID] {
        events.compactMap { if case .accepted(let id, _) = $0 { id } else { nil } }
    }

    /// The timers fired so far, in order.
    var firedTimers: [TimerID] {
        events.compactMap { if case .timer(let id) = $0 { id } else { nil } }
    }
}
