/// The bridge between an event's typed values and its template's fields: `kind`,
/// `forEachValue` (what the renderer writes, in template order, without building an array) and
/// `init(kind:values:)` (what the parser builds back). One line per case in each.
extension NodeEvent {
    public var kind: EventKind {
        switch self {
        case .clusterKeySet: .clusterKeySet
        case .errorReceived: .errorReceived
        case .badInput: .badInput
        case .unexpectedMessage: .unexpectedMessage
        case .errorsSuppressed: .errorsSuppressed
        case .connectionEnded: .connectionEnded
        case .seedListening: .seedListening
        case .seedLimits: .seedLimits
        case .connectionOpened: .connectionOpened
        case .connectionRefused: .connectionRefused
        case .registrationProbeFailed: .registrationProbeFailed
        case .refusalsCounted: .refusalsCounted
        case .unregisteredClosed: .unregisteredClosed
        case .unregisteredClosedMore: .unregisteredClosedMore
        case .listQuery: .listQuery
        case .probing: .probing
        case .probeEnded: .probeEnded
        case .probeConnectFailed: .probeConnectFailed
        case .probeWrongAnswer: .probeWrongAnswer
        case .probeAnswered: .probeAnswered
        case .peerRegistered: .peerRegistered
        case .suspectRegisteredAgain: .suspectRegisteredAgain
        case .registrationWithdrawn: .registrationWithdrawn
        case .deadReportReceived: .deadReportReceived
        case .deadReportRefused: .deadReportRefused
        case .deadNotListed: .deadNotListed
        case .suspect: .suspect
        case .stillSuspect: .stillSuspect
        case .removedLeft: .removedLeft
        case .removedDead: .removedDead
        case .removedExpired: .removedExpired
        case .lineRefused: .lineRefused
        case .peerListening: .peerListening
        case .registering: .registering
        case .peerList: .peerList
        case .registered: .registered
        case .registeredUnderQuorum: .registeredUnderQuorum
        case .registeredAgain: .registeredAgain
        case .registeringAgain: .registeringAgain
        case .seedConnectionEnded: .seedConnectionEnded
        case .registrationFailedSwitching: .registrationFailedSwitching
        case .registrationFailedRetrying: .registrationFailedRetrying
        case .registrationRefused: .registrationRefused
        case .seedRenewalUnanswered: .seedRenewalUnanswered
        case .seedAway: .seedAway
        case .seedRegistrationTimedOut: .seedRegistrationTimedOut
        case .leaving: .leaving
        case .noPeersYet: .noPeersYet
        case .linking: .linking
        case .linked: .linked
        case .linkUpAgain: .linkUpAgain
        case .linkFailed: .linkFailed
        case .linkRefusedByPeer: .linkRefusedByPeer
        case .linkRefused: .linkRefused
        case .linkLost: .linkLost
        case .linkLostUnverified: .linkLostUnverified
        case .linkVerified: .linkVerified
        case .linkUnverified: .linkUnverified
        case .peerMisnamed: .peerMisnamed
        case .neighbourLeft: .neighbourLeft
        case .unidentifiedClosed: .unidentifiedClosed
        case .livenessAnswered: .livenessAnswered
        case .livenessProbeAnswered: .livenessProbeAnswered
        case .badLivenessReply: .badLivenessReply
        case .roundUnanswered: .roundUnanswered
        case .wokeLate: .wokeLate
        case .reportingDead: .reportingDead
        case .reportResent: .reportResent
        case .reportDropped: .reportDropped
        case .created: .created
        case .received: .received
        case .staleDropped: .staleDropped
        case .messageRefused: .messageRefused
        case .ownMessageReturned: .ownMessageReturned
        case .textSent: .textSent
        case .textNotSent: .textNotSent
        case .textReceived: .textReceived
        case .textStaleDropped: .textStaleDropped
        case .textRefused: .textRefused
        case .ownTextReturned: .ownTextReturned
        case .controlSocket: .controlSocket
        case .controlCommand: .controlCommand
        case .controlNote: .controlNote
        case .leaveRequested: .leaveRequested
        case .pollFailed: .pollFailed
        case .turnedAway: .turnedAway
        case .turnedAwayNoDescriptors: .turnedAwayNoDescriptors
        case .turnedAwaySuppressed: .turnedAwaySuppressed
        case .cutOff: .cutOff
        case .commandsOff: .commandsOff
        case .command: .command
        case .unknownCommand: .unknownCommand
        case .unreadableCommand: .unreadableCommand
        case .signal: .signal
        case .stopped: .stopped
        case .consoleDropped: .consoleDropped
        }
    }

    /// Calls `body` with each value, in the order of the kind's template fields.
    @inline(__always)
    func forEachValue(_ body: (EventValue) -> Void) {
        switch self {
        case .clusterKeySet, .noPeersYet, .roundUnanswered, .unreadableCommand, .stopped: break
        case .errorReceived(let a, let b), .badInput(let a, let b), .unexpectedMessage(let a, let b),
            .connectionEnded(let a, let b), .deadReportReceived(let a, let b), .deadReportRefused(let a, let b),
            .lineRefused(let a, let b):
            body(.text(a)); body(.text(b))
        case .errorsSuppressed(let n, let s, let b, let d), .turnedAwaySuppressed(let n, let s, let b, let d):
            body(.count(n)); body(.text(s)); body(.count(b)); body(.duration(d))
        case .seedListening(let a), .connectionOpened(let a), .probing(let a), .probeAnswered(let a),
            .suspectRegisteredAgain(let a), .registeredAgain(let a), .registeringAgain(let a),
            .registrationFailedSwitching(let a), .seedRenewalUnanswered(let a), .seedRegistrationTimedOut(let a),
            .linking(let a), .linkUpAgain(let a), .linkVerified(let a), .livenessAnswered(let a):
            body(.address(a))
        case .seedLimits(let c, let f, let h, let t):
            body(.count(c)); body(.count(f)); body(.count(h)); body(.duration(t))
        case .connectionRefused(let a, let t, let d), .registrationProbeFailed(let a, let t, let d):
            body(.address(a)); body(.duration(d)); body(.text(t))
        case .refusalsCounted(let d, let n, let t):
            body(.duration(d)); body(.count(n)); body(.text(t))
        case .unregisteredClosed(let a, let d), .unidentifiedClosed(let a, let d), .seedAway(let a, let d),
            .registrationFailedRetrying(let a, let d):
            body(.address(a)); body(.duration(d))
        case .unregisteredClosedMore(let n, let d):
            body(.count(n)); body(.duration(d))
        case .listQuery(let t, let a, let b):
            body(.text(t)); body(.count(a)); body(.count(b))
        case .probeEnded(let a, let t), .probeConnectFailed(let a, let t), .probeWrongAnswer(let a, let t),
            .registrationWithdrawn(let a, let t), .deadNotListed(let a, let t), .suspect(let a, let t),
            .seedConnectionEnded(let a, let t), .registrationRefused(let a, let t), .linkFailed(let a, let t),
            .linkRefusedByPeer(let a, let t), .linkLost(let a, let t), .linkLostUnverified(let a, let t),
            .linkUnverified(let a, let t), .badLivenessReply(let a, let t), .reportResent(let a, let t),
            .reportDropped(let a, let t), .messageRefused(let a, let t):
            body(.address(a)); body(.text(t))
        case .cutOff(let a, let t):
            body(.optionalAddress(a)); body(.text(t))
        case .peerRegistered(let a, let c, let n):
            body(.address(a)); body(.optionalAddress(c)); body(.count(n))
        case .stillSuspect(let a, let n, let t):
            body(.address(a)); body(.count(n)); body(.text(t))
        case .removedLeft(let a, let n), .neighbourLeft(let a, let n), .turnedAway(let a, let n),
            .turnedAwayNoDescriptors(let a, let n):
            body(.address(a)); body(.count(n))
        case .removedDead(let a, let t, let n):
            body(.address(a)); body(.text(t)); body(.count(n))
        case .removedExpired(let a, let d, let n):
            body(.address(a)); body(.duration(d)); body(.count(n))
        case .peerListening(let a, let list), .peerList(let a, let list):
            body(.address(a)); body(.addresses(list))
        case .registering(let q, let n, let list), .registered(let q, let n, let list):
            body(.count(q)); body(.count(n)); body(.addresses(list))
        case .registeredUnderQuorum(let a, let b), .leaving(let a, let b):
            body(.count(a)); body(.count(b))
        case .linked(let a, let origin, let n):
            body(.address(a)); body(.text(origin.rawValue)); body(.count(n))
        case .linkRefused(let a, let b, let t):
            body(.address(a)); body(.address(b)); body(.text(t))
        case .peerMisnamed(let a, let b), .livenessProbeAnswered(let a, let b):
            body(.address(a)); body(.address(b))
        case .wokeLate(let d):
            body(.duration(d))
        case .reportingDead(let a, let n, let t):
            body(.address(a)); body(.count(n)); body(.text(t))
        case .created(let m, let n):
            body(.message(m)); body(.count(n))
        case .received(let m, let a, let n):
            body(.message(m)); body(.address(a)); body(.count(n))
        case .staleDropped(let m, let a, let d):
            body(.message(m)); body(.address(a)); body(.duration(d))
        case .ownMessageReturned(let m, let a):
            body(.message(m)); body(.address(a))
        case .pollFailed(let t), .commandsOff(let t), .command(let t), .unknownCommand(let t):
            body(.text(t))
        case .signal(let t, let n):
            body(.text(t)); body(.count(n))
        case .textSent(let t, let n, let u):
            body(.text(t)); body(.count(n)); body(.text(u))
        case .textNotSent(let t), .controlSocket(let t), .controlCommand(let t), .controlNote(let t):
            body(.text(t))
        case .textReceived(let t, let a, let n, let u):
            body(.text(t)); body(.address(a)); body(.count(n)); body(.text(u))
        case .textStaleDropped(let t, let a, let d):
            body(.text(t)); body(.address(a)); body(.duration(d))
        case .textRefused(let a, let t):
            body(.address(a)); body(.text(t))
        case .ownTextReturned(let t, let a):
            body(.text(t)); body(.address(a))
        case .leaveRequested(let n):
            body(.count(n))
        case .consoleDropped(let a, let b, let t):
            body(.count(a)); body(.count(b)); body(.text(t))
        }
    }

    /// The event of `kind` with these values (in template order), if they fit its fields.
    init?(kind: EventKind, values: [EventValue]) {
        var r = ValueReader(values: values)
        guard let event = Self.build(kind, &r), r.isAtEnd else { return nil }
        self = event
    }

    private static func build(_ kind: EventKind, _ r: inout ValueReader) -> NodeEvent? {
        switch kind {
        case .clusterKeySet: return .clusterKeySet
        case .noPeersYet: return .noPeersYet
        case .roundUnanswered: return .roundUnanswered
        case .unreadableCommand: return .unreadableCommand
        case .stopped: return .stopped
        case .errorReceived: return r.t().flatMap { a in r.t().map { .errorReceived(from: a, reason: $0) } }
        case .badInput: return r.t().flatMap { a in r.t().map { .badInput(from: a, error: $0) } }
        case .unexpectedMessage: return r.t().flatMap { a in r.t().map { .unexpectedMessage(from: a, error: $0) } }
        case .connectionEnded: return r.t().flatMap { a in r.t().map { .connectionEnded(remote: a, why: $0) } }
        case .deadReportReceived: return r.t().flatMap { a in r.t().map { .deadReportReceived(from: a, report: $0) } }
        case .deadReportRefused: return r.t().flatMap { a in r.t().map { .deadReportRefused(from: a, why: $0) } }
        case .lineRefused: return r.t().flatMap { a in r.t().map { .lineRefused(from: a, why: $0) } }
        case .errorsSuppressed, .turnedAwaySuppressed:
            guard let n = r.n(), let s = r.t(), let b = r.n(), let d = r.d() else { return nil }
            return kind == .errorsSuppressed
                ? .errorsSuppressed(count: n, source: s, burst: b, interval: d)
                : .turnedAwaySuppressed(count: n, source: s, burst: b, interval: d)
        case .seedListening: return r.a().map { .seedListening($0) }
        case .connectionOpened: return r.a().map { .connectionOpened(remote: $0) }
        case .probing: return r.a().map { .probing($0) }
        case .probeAnswered: return r.a().map { .probeAnswered($0) }
        case .suspectRegisteredAgain: return r.a().map { .suspectRegisteredAgain($0) }
        case .registeredAgain: return r.a().map { .registeredAgain(seed: $0) }
        case .registeringAgain: return r.a().map { .registeringAgain(seed: $0) }
        case .registrationFailedSwitching: return r.a().map { .registrationFailedSwitching(seed: $0) }
        case .seedRenewalUnanswered: return r.a().map { .seedRenewalUnanswered(seed: $0) }
        case .seedRegistrationTimedOut: return r.a().map { .seedRegistrationTimedOut(seed: $0) }
        case .linking: return r.a().map { .linking($0) }
        case .linkUpAgain: return r.a().map { .linkUpAgain($0) }
        case .linkVerified: return r.a().map { .linkVerified($0) }
        case .livenessAnswered: return r.a().map { .livenessAnswered($0) }
        case .seedLimits:
            guard let c = r.n(), let f = r.n(), let h = r.n(), let t = r.d() else { return nil }
            return .seedLimits(connections: c, descriptors: f, perHost: h, identifyTimeout: t)
        case .connectionRefused:
            guard let a = r.a(), let d = r.d(), let t = r.t() else { return nil }
            return .connectionRefused(remote: a, reason: t, quietFor: d)
        case .registrationProbeFailed:
            guard let a = r.a(), let d = r.d(), let t = r.t() else { return nil }
            return .registrationProbeFailed(peer: a, why: t, quietFor: d)
        case .refusalsCounted:
            guard let d = r.d(), let n = r.n(), let t = r.t() else { return nil }
            return .refusalsCounted(interval: d, count: n, what: t)
        case .unregisteredClosed: return r.a().flatMap { a in r.d().map { .unregisteredClosed(remote: a, timeout: $0) } }
        case .unidentifiedClosed: return r.a().flatMap { a in r.d().map { .unidentifiedClosed(remote: a, timeout: $0) } }
        case .seedAway: return r.a().flatMap { a in r.d().map { .seedAway(seed: a, grace: $0) } }
        case .registrationFailedRetrying:
            return r.a().flatMap { a in r.d().map { .registrationFailedRetrying(seed: a, after: $0) } }
        case .unregisteredClosedMore: return r.n().flatMap { n in r.d().map { .unregisteredClosedMore(count: n, timeout: $0) } }
        case .listQuery:
            guard let t = r.t(), let a = r.n(), let b = r.n() else { return nil }
            return .listQuery(from: t, sent: a, listed: b)
        case .probeEnded: return r.a().flatMap { a in r.t().map { .probeEnded(a, why: $0) } }
        case .probeConnectFailed: return r.a().flatMap { a in r.t().map { .probeConnectFailed(a, reason: $0) } }
        case .probeWrongAnswer: return r.a().flatMap { a in r.t().map { .probeWrongAnswer(a, answer: $0) } }
        case .registrationWithdrawn: return r.a().flatMap { a in r.t().map { .registrationWithdrawn(a, why: $0) } }
        case .deadNotListed: return r.a().flatMap { a in r.t().map { .deadNotListed(a, reason: $0) } }
        case .suspect: return r.a().flatMap { a in r.t().map { .suspect(a, reason: $0) } }
        case .seedConnectionEnded: return r.a().flatMap { a in r.t().map { .seedConnectionEnded(seed: a, why: $0) } }
        case .registrationRefused: return r.a().flatMap { a in r.t().map { .registrationRefused(seed: a, reason: $0) } }
        case .linkFailed: return r.a().flatMap { a in r.t().map { .linkFailed(a, why: $0) } }
        case .linkRefusedByPeer: return r.a().flatMap { a in r.t().map { .linkRefusedByPeer(a, reason: $0) } }
        case .linkLost: return r.a().flatMap { a in r.t().map { .linkLost(a, why: $0) } }
        case .linkLostUnverified: return r.a().flatMap { a in r.t().map { .linkLostUnverified(a, why: $0) } }
        case .linkUnverified: return r.a().flatMap { a in r.t().map { .linkUnverified(a, why: $0) } }
        case .badLivenessReply: return r.a().flatMap { a in r.t().map { .badLivenessReply(from: a, error: $0) } }
        case .reportResent: return r.a().flatMap { a in r.t().map { .reportResent(seed: a, report: $0) } }
        case .reportDropped: return r.a().flatMap { a in r.t().map { .reportDropped(seed: a, report: $0) } }
        case .messageRefused: return r.a().flatMap { a in r.t().map { .messageRefused(from: a, error: $0) } }
        case .cutOff: return r.optionalAddress().flatMap { a in r.t().map { .cutOff(remote: a, reason: $0) } }
        case .peerRegistered:
            guard let a = r.a(), let c = r.optionalAddress(), let n = r.n() else { return nil }
            return .peerRegistered(a, connection: c, listed: n)
        case .stillSuspect:
            guard let a = r.a(), let n = r.n(), let t = r.t() else { return nil }
            return .stillSuspect(a, accusers: n, reason: t)
        case .removedLeft: return r.a().flatMap { a in r.n().map { .removedLeft(a, listed: $0) } }
        case .neighbourLeft: return r.a().flatMap { a in r.n().map { .neighbourLeft(a, neighbours: $0) } }
        case .turnedAway: return r.a().flatMap { a in r.n().map { .turnedAway(remote: a, open: $0) } }
        case .turnedAwayNoDescriptors: return r.a().flatMap { a in r.n().map { .turnedAwayNoDescriptors(remote: a, open: $0) } }
        case .removedDead:
            guard let a = r.a(), let t = r.t(), let n = r.n() else { return nil }
            return .removedDead(a, evidence: t, listed: n)
        case .removedExpired:
            guard let a = r.a(), let d = r.d(), let n = r.n() else { return nil }
            return .removedExpired(a, silence: d, listed: n)
        case .peerListening: return r.a().flatMap { a in r.list().map { .peerListening(a, seeds: $0) } }
        case .peerList: return r.a().flatMap { a in r.list().map { .peerList(seed: a, peers: $0) } }
        case .registering:
            guard let q = r.n(), let n = r.n(), let list = r.list() else { return nil }
            return .registering(quorum: q, of: n, seeds: list)
        case .registered:
            guard let q = r.n(), let n = r.n(), let list = r.list() else { return nil }
            return .registered(seeds: q, known: n, peers: list)
        case .registeredUnderQuorum: return r.n().flatMap { a in r.n().map { .registeredUnderQuorum(registered: a, wanted: $0) } }
        case .leaving: return r.n().flatMap { a in r.n().map { .leaving(seeds: a, neighbours: $0) } }
        case .linked:
            guard let a = r.a(), let o = r.t().flatMap(LinkOrigin.init(rawValue:)), let n = r.n() else { return nil }
            return .linked(a, origin: o, neighbours: n)
        case .linkRefused:
            guard let a = r.a(), let b = r.a(), let t = r.t() else { return nil }
            return .linkRefused(a, remote: b, refusal: t)
        case .peerMisnamed: return r.a().flatMap { a in r.a().map { .peerMisnamed(a, calls: $0) } }
        case .livenessProbeAnswered: return r.a().flatMap { a in r.a().map { .livenessProbeAnswered(a, remote: $0) } }
        case .wokeLate: return r.d().map { .wokeLate($0) }
        case .reportingDead:
            guard let a = r.a(), let n = r.n(), let t = r.t() else { return nil }
            return .reportingDead(a, misses: n, report: t)
        case .created: return r.m().flatMap { m in r.n().map { .created(m, sentTo: $0) } }
        case .received:
            guard let m = r.m(), let a = r.a(), let n = r.n() else { return nil }
            return .received(m, from: a, forwardedTo: n)
        case .staleDropped:
            guard let m = r.m(), let a = r.a(), let d = r.d() else { return nil }
            return .staleDropped(m, from: a, retention: d)
        case .ownMessageReturned: return r.m().flatMap { m in r.a().map { .ownMessageReturned(m, from: $0) } }
        case .pollFailed: return r.t().map { .pollFailed($0) }
        case .commandsOff: return r.t().map { .commandsOff($0) }
        case .command: return r.t().map { .command($0) }
        case .unknownCommand: return r.t().map { .unknownCommand($0) }
        case .signal: return r.t().flatMap { t in r.n().map { .signal(t, connections: $0) } }
        case .textSent:
            guard let t = r.t(), let n = r.n(), let u = r.t() else { return nil }
            return .textSent(id: t, neighbours: n, text: u)
        case .textNotSent: return r.t().map { .textNotSent(error: $0) }
        case .textReceived:
            guard let t = r.t(), let a = r.a(), let n = r.n(), let u = r.t() else { return nil }
            return .textReceived(id: t, from: a, forwardedTo: n, text: u)
        case .textStaleDropped:
            guard let t = r.t(), let a = r.a(), let d = r.d() else { return nil }
            return .textStaleDropped(id: t, from: a, retention: d)
        case .textRefused: return r.a().flatMap { a in r.t().map { .textRefused(from: a, error: $0) } }
        case .ownTextReturned: return r.t().flatMap { t in r.a().map { .ownTextReturned(id: t, from: $0) } }
        case .controlSocket: return r.t().map { .controlSocket(path: $0) }
        case .controlCommand: return r.t().map { .controlCommand($0) }
        case .controlNote: return r.t().map { .controlNote($0) }
        case .leaveRequested: return r.n().map { .leaveRequested(connections: $0) }
        case .consoleDropped:
            guard let a = r.n(), let b = r.n(), let t = r.t() else { return nil }
            return .consoleDropped(bytes: a, total: b, why: t)
        }
    }
}

/// Takes an event's values in order, each as the type its field expects.
struct ValueReader {
    let values: [EventValue]
    var index = 0

    var isAtEnd: Bool { index == values.count }

    private mutating func next() -> EventValue? {
        guard index < values.count else { return nil }
        defer { index += 1 }
        return values[index]
    }

    mutating func a() -> NodeAddress? { if case .address(let v)? = next() { v } else { nil } }
    mutating func optionalAddress() -> NodeAddress?? { if case .optionalAddress(let v)? = next() { v } else { nil } }
    mutating func list() -> [NodeAddress]? { if case .addresses(let v)? = next() { v } else { nil } }
    mutating func m() -> GossipMessage? { if case .message(let v)? = next() { v } else { nil } }
    mutating func n() -> Int? { if case .count(let v)? = next() { v } else { nil } }
    mutating func d() -> Duration? { if case .duration(let v)? = next() { v } else { nil } }
    mutating func t() -> String? { if case .text(let v)? = next() { v } else { nil } }
}

extension NodeEvent {
    /// The first address the event names: the peer or seed it is about (`linked`, `removedDead`,
    /// `peerRegistered`, ...), the neighbour a message came from (`received`), or nil.
    public var subject: NodeAddress? {
        var found: NodeAddress?
        forEachValue { value in
            if found == nil, case .address(let address) = value { found = address }
        }
        return found
    }

    /// The gossip message the event is about (`created`, `received`, ...), if any.
    public var message: GossipMessage? {
        var found: GossipMessage?
        forEachValue { value in
            if case .message(let message) = value { found = message }
        }
        return found
    }

    /// The event's free text values (reasons, excerpts), in order.
    public var texts: [String] {
        var found: [String] = []
        forEachValue { value in
            if case .text(let text) = value { found.append(text) }
        }
        return found
    }
}
