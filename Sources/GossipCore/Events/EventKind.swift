/// The kinds of `NodeEvent`, each with its level and its human sentence: the one place the
/// wording of a log line is written (docs/LOGS.md lists them).
///
/// A sentence is a template: literal text, and `{name:type}` for each of the event's values in
/// order, where type is `a` an address, `a?` an address or `?`, `as` a list of addresses
/// (`(none)` when empty), `m` a gossip message as on the wire, `n` a count, `d` a duration
/// (`2.5 s`) and `t` text. The names are the JSON keys. `EventRenderer` writes a template and
/// `EventParser` reads it back.
public enum EventKind: Int, Hashable, Sendable, CaseIterable {
    case clusterKeySet, errorReceived, badInput, unexpectedMessage, errorsSuppressed, connectionEnded
    case seedListening, seedLimits, connectionOpened, connectionRefused, registrationProbeFailed, refusalsCounted
    case unregisteredClosed, unregisteredClosedMore, listQuery, probing, probeEnded, probeConnectFailed
    case probeWrongAnswer, probeAnswered, peerRegistered, suspectRegisteredAgain, registrationWithdrawn
    case deadReportReceived, deadReportRefused, deadNotListed, suspect, stillSuspect, removedLeft, removedDead
    case removedExpired, lineRefused
    case peerListening, registering, peerList, registered, registeredUnderQuorum, registeredAgain, registeringAgain
    case seedConnectionEnded, registrationFailedSwitching, registrationFailedRetrying, registrationRefused
    case seedRenewalUnanswered, seedAway, seedRegistrationTimedOut, leaving
    case noPeersYet, linking, linked, linkUpAgain, linkFailed, linkRefusedByPeer, linkRefused, linkLost
    case linkLostUnverified, linkVerified, linkUnverified, peerMisnamed, neighbourLeft, unidentifiedClosed
    case livenessAnswered, livenessProbeAnswered, badLivenessReply, roundUnanswered, wokeLate, reportingDead
    case reportResent, reportDropped
    case created, received, staleDropped, messageRefused, ownMessageReturned
    case textSent, textNotSent, textReceived, textStaleDropped, textRefused, ownTextReturned
    case pollFailed, turnedAway, turnedAwayNoDescriptors, turnedAwaySuppressed, cutOff, commandsOff, command
    case unknownCommand, unreadableCommand, signal, stopped, consoleDropped
    case controlSocket, controlCommand, controlNote, leaveRequested

    /// The level and the sentence template.
    var definition: (EventLevel, String) {
        switch self {
        case .clusterKeySet: (.info, "Cluster key set: every connection must prove it before its lines are taken")
        case .errorReceived: (.warning, "Error from {from:t}: {reason:t}")
        case .badInput: (.warning, "Bad input from {from:t}: {error:t}")
        case .unexpectedMessage: (.warning, "Unexpected message from {from:t}: {error:t}")
        case .errorsSuppressed:
            (.warning, "Suppressed {count:n} more errors from {source:t} (at most {burst:n} logged per {interval:d})")
        case .connectionEnded: (.debug, "Connection from {remote:t} ended: {why:t}")

        case .seedListening: (.info, "Seed listening on {address:a}")
        case .seedLimits:
            (
                .info,
                "Open connections at most: {connections:n} (file descriptors: {descriptors:n}); per host: {perHost:n}; unregistered connections closed after {identifyTimeout:d}"
            )
        case .connectionOpened: (.debug, "Connection from {remote:a}")
        case .connectionRefused:
            (
                .warning,
                "Refused a connection from {remote:a}; more such refusals are counted, not logged, for {quietFor:d}: {reason:t}"
            )
        case .registrationProbeFailed:
            (
                .warning,
                "Refused the registration of {peer:a}, its probe failed; more such refusals from its host are counted, not logged, for {quietFor:d}: {why:t}"
            )
        case .refusalsCounted: (.warning, "In the last {interval:d}, {count:n} more {what:t}")
        case .unregisteredClosed:
            (
                .info,
                "Closed the connection from {remote:a}: it did not register within {timeout:d} (or was idle that long after a query)"
            )
        case .unregisteredClosedMore: (.info, "Closed {count:n} more connections that did not register within {timeout:d}")
        case .listQuery: (.debug, "List query from {from:t}: sent {sent:n} of {listed:n} peers")
        case .probing: (.debug, "Probing {peer:a}")
        case .probeEnded: (.info, "Probe of {peer:a} ended: {why:t}")
        case .probeConnectFailed: (.info, "Probe of {peer:a} could not connect; still suspect: {reason:t}")
        case .probeWrongAnswer: (.warning, "Probe of {peer:a} got {answer:t} instead of a liveness reply")
        case .probeAnswered: (.info, "Peer {peer:a} answered the seed's probe: alive, no longer suspect")
        case .peerRegistered: (.info, "Registered peer {peer:a} (connection from {connection:a?}); {listed:n} peers listed")
        case .suspectRegisteredAgain: (.info, "Peer {peer:a} registered again while suspect: alive, no longer suspect")
        case .registrationWithdrawn:
            (.info, "Registration of {peer:a} withdrawn, its connection ended before its probe answered: {why:t}")
        case .deadReportReceived: (.info, "Dead node report from {from:t}: {report:t}")
        case .deadReportRefused: (.warning, "Refused a Dead Node report from {from:t}: {why:t}")
        case .deadNotListed: (.info, "Dead peer {peer:a} is not listed here, nothing to do: {reason:t}")
        case .suspect: (.warning, "Suspect peer {peer:a}, checking it: {reason:t}")
        case .stillSuspect: (.info, "Peer {peer:a} is still suspect ({accusers:n} accusers): {reason:t}")
        case .removedLeft: (.info, "Removed peer {peer:a}: left; {listed:n} peers listed")
        case .removedDead: (.warning, "Removed peer {peer:a}: dead ({evidence:t}); {listed:n} peers listed")
        case .removedExpired: (.info, "Removed peer {peer:a}: expired (no renewal for {silence:d}); {listed:n} peers listed")
        case .lineRefused: (.warning, "Refused a line from {from:t}: {why:t}")

        case .peerListening: (.info, "Peer listening on {address:a}; seeds: {seeds:as}")
        case .registering: (.info, "Registering with {quorum:n} of {of:n} seeds: {seeds:as}")
        case .peerList: (.info, "Peer list from seed {seed:a}: {peers:as}")
        case .registered: (.info, "Registered with {seeds:n} seeds; {known:n} peers known: {peers:as}")
        case .registeredUnderQuorum: (.warning, "Registered with only {registered:n} of the {wanted:n} seeds wanted")
        case .registeredAgain: (.info, "Registered again with seed {seed:a}")
        case .registeringAgain: (.info, "Registering again with seed {seed:a}")
        case .seedConnectionEnded: (.info, "Connection to seed {seed:a} ended: {why:t}")
        case .registrationFailedSwitching: (.warning, "Registration with seed {seed:a} failed; trying another seed instead")
        case .registrationFailedRetrying: (.warning, "Registration with seed {seed:a} failed; will try again in {after:d}")
        case .registrationRefused: (.warning, "Seed {seed:a} refused the registration: {reason:t}")
        case .seedRenewalUnanswered: (.warning, "Seed {seed:a} did not answer the last renewal; reconnecting")
        case .seedAway: (.warning, "Seed {seed:a} stayed away for {grace:d}; registering with another seed")
        case .seedRegistrationTimedOut: (.warning, "Seed {seed:a} did not answer the registration in time")
        case .leaving: (.info, "Leaving: told {seeds:n} seeds and {neighbours:n} neighbours")

        case .noPeersYet: (.info, "No other peers known yet; waiting for peers to link to us")
        case .linking: (.debug, "Linking to peer {peer:a}")
        case .linked: (.info, "Linked with peer {peer:a} ({origin:t}); {neighbours:n} neighbours")
        case .linkUpAgain: (.info, "Link with peer {peer:a} is up again")
        case .linkFailed: (.info, "Link to {peer:a} failed: {why:t}")
        case .linkRefusedByPeer: (.info, "Peer {peer:a} refused the link: {reason:t}")
        case .linkRefused: (.info, "Refused link from {peer:a} ({remote:a}): {refusal:t}")
        case .linkLost: (.warning, "Link with peer {peer:a} lost: {why:t}")
        case .linkLostUnverified: (.info, "Link with peer {peer:a} lost before it was verified; forgotten: {why:t}")
        case .linkVerified: (.info, "Link with peer {peer:a} verified: it answers on its address")
        case .linkUnverified: (.warning, "Peer {peer:a} does not answer on its address; its link stays unverified: {why:t}")
        case .peerMisnamed: (.warning, "Peer {peer:a} calls itself {calls:a}; keeping the address it was linked on")
        case .neighbourLeft: (.info, "Peer {peer:a} left; {neighbours:n} neighbours")
        case .unidentifiedClosed: (.info, "Closed the connection from {remote:a}: it did not identify itself within {timeout:d}")

        case .livenessAnswered: (.debug, "Liveness request from {peer:a}: answered")
        case .livenessProbeAnswered: (.debug, "Liveness probe from {sender:a} ({remote:a}): answered")
        case .badLivenessReply: (.warning, "Bad liveness reply from {from:a}: {error:t}")
        case .roundUnanswered:
            (.warning, "No neighbour answered this round: this peer may be the one cut off; counting no misses, reconnecting")
        case .wokeLate: (.warning, "Woke up {late:d} late (this process was paused); not counting missed replies")
        case .reportingDead: (.warning, "Reporting peer {peer:a} dead ({misses:n} liveness requests unanswered): {report:t}")
        case .reportResent: (.info, "Reporting again to seed {seed:a}: {report:t}")
        case .reportDropped: (.info, "Dropped a report for seed {seed:a}, too old to matter: {report:t}")

        case .created: (.info, "Created message {message:m}; sent to {sentTo:n} neighbours")
        case .received: (.info, "Received {message:m} from {from:a}; forwarded to {forwardedTo:n}")
        case .staleDropped:
            (
                .info,
                "Dropped stale message {message:m} from {from:a}: older than the {retention:d} retention, or than this peer can tell from one it has seen"
            )
        case .messageRefused: (.warning, "Refused a message from {from:a}: {error:t}")
        case .ownMessageReturned: (.info, "Own message {message:m} from an earlier run came back from {from:a}; not delivered")

        case .textSent: (.info, "Sent text {id:t} to {neighbours:n} neighbours: {text:t}")
        case .textNotSent: (.warning, "Text not sent: {error:t}")
        case .textReceived: (.info, "Received text {id:t} from {from:a}; forwarded to {forwardedTo:n}: {text:t}")
        case .textStaleDropped: (.info, "Dropped stale text {id:t} from {from:a}: older than the {retention:d} retention")
        case .textRefused: (.warning, "Refused a text from {from:a}: {error:t}")
        case .ownTextReturned: (.info, "Own text {id:t} from an earlier run came back from {from:a}; not delivered")

        case .pollFailed: (.error, "Fatal: poll failed: {error:t}")
        case .turnedAway: (.warning, "Turned away a connection from {remote:a}: {open:n} connections open")
        case .turnedAwayNoDescriptors:
            (.warning, "Turned away a connection from {remote:a}: out of file descriptors ({open:n} connections open)")
        case .turnedAwaySuppressed:
            (.warning, "Turned away {count:n} more connections from {source:t} (at most {burst:n} logged per {interval:d})")
        case .cutOff: (.warning, "Cut off {remote:a?}: it does not read what it is sent; {reason:t}")
        case .commandsOff: (.warning, "Standard input cannot be read; operator commands are off: {error:t}")
        case .command: (.info, "Command: {command:t}")
        case .unknownCommand: (.warning, "Unknown command: {command:t}")
        case .unreadableCommand: (.warning, "Unknown command (not a line of text)")
        case .signal: (.info, "Signal {signal:t}: closing {connections:n} connections and exiting")
        case .stopped: (.info, "Stopped")
        case .consoleDropped:
            (.warning, "Console: {bytes:n} bytes dropped ({total:n} in all), this file has every line: {why:t}")
        case .controlSocket: (.info, "Control socket: {path:t}")
        case .controlCommand: (.info, "Control command: {command:t}")
        case .controlNote: (.warning, "Control: {note:t}")
        case .leaveRequested: (.info, "Asked to leave on the control socket: closing {connections:n} connections and exiting")
        }
    }

    /// The JSON `event` name: the case's name (`received`, `linked`, ...).
    public var name: String { EventTemplate.table[rawValue].name }

    /// The level of every event of this kind.
    @inline(__always)
    public var level: EventLevel { EventTemplate.table[rawValue].level }

    /// The kind named `name`, if any.
    public static func named(_ name: some StringProtocol) -> EventKind? { EventTemplate.byName[String(name)] }
}

extension EventKind {
    /// Every kind's name in case order (the raw values): written out, not read with
    /// `String(describing:)`, which goes through the runtime's reflection metadata and made every
    /// node touch a few hundred kilobytes more of its binary at start (idle RSS). A test checks
    /// each against the case's own name.
    static let names: [String] = [
        "clusterKeySet",
        "errorReceived",
        "badInput",
        "unexpectedMessage",
        "errorsSuppressed",
        "connectionEnded",
        "seedListening",
        "seedLimits",
        "connectionOpened",
        "connectionRefused",
        "registrationProbeFailed",
        "refusalsCounted",
        "unregisteredClosed",
        "unregisteredClosedMore",
        "listQuery",
        "probing",
        "probeEnded",
        "probeConnectFailed",
        "probeWrongAnswer",
        "probeAnswered",
        "peerRegistered",
        "suspectRegisteredAgain",
        "registrationWithdrawn",
        "deadReportReceived",
        "deadReportRefused",
        "deadNotListed",
        "suspect",
        "stillSuspect",
        "removedLeft",
        "removedDead",
        "removedExpired",
        "lineRefused",
        "peerListening",
        "registering",
        "peerList",
        "registered",
        "registeredUnderQuorum",
        "registeredAgain",
        "registeringAgain",
        "seedConnectionEnded",
        "registrationFailedSwitching",
        "registrationFailedRetrying",
        "registrationRefused",
        "seedRenewalUnanswered",
        "seedAway",
        "seedRegistrationTimedOut",
        "leaving",
        "noPeersYet",
        "linking",
        "linked",
        "linkUpAgain",
        "linkFailed",
        "linkRefusedByPeer",
        "linkRefused",
        "linkLost",
        "linkLostUnverified",
        "linkVerified",
        "linkUnverified",
        "peerMisnamed",
        "neighbourLeft",
        "unidentifiedClosed",
        "livenessAnswered",
        "livenessProbeAnswered",
        "badLivenessReply",
        "roundUnanswered",
        "wokeLate",
        "reportingDead",
        "reportResent",
        "reportDropped",
        "created",
        "received",
        "staleDropped",
        "messageRefused",
        "ownMessageReturned",
        "textSent",
        "textNotSent",
        "textReceived",
        "textStaleDropped",
        "textRefused",
        "ownTextReturned",
        "pollFailed",
        "turnedAway",
        "turnedAwayNoDescriptors",
        "turnedAwaySuppressed",
        "cutOff",
        "commandsOff",
        "command",
        "unknownCommand",
        "unreadableCommand",
        "signal",
        "stopped",
        "consoleDropped",
        "controlSocket",
        "controlCommand",
        "controlNote",
        "leaveRequested",
    ]
}
