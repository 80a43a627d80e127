/// What a `cluster` run's logs say, already read (by `cluster report`, from the seeds' and
/// peers' logs): the nodes and what happened to them, the links, and every message with who
/// first got it from whom and when. Times are seconds since the run began (the seeds started listening).
public struct RunData {
    public struct Node {
        public var name: String
        public var isSeed: Bool
        public var marks: [Timeline.Mark]
        public init(name: String, isSeed: Bool, marks: [Timeline.Mark]) {
            self.name = name
            self.isSeed = isSeed
            self.marks = marks
        }

        /// Dead if a seed removed it as dead, left if as left (the last removal counts).
        public var state: OverlayChart.State {
            let last = marks.last { $0.kind == .dead || $0.kind == .left || $0.kind == .reregistered }
            switch last?.kind {
            case .dead?: return .dead
            case .left?: return .left
            default: return .live
            }
        }
    }

    public struct Receipt {
        public var node: Int
        /// The node it came from, when that node is one of this run's.
        public var from: Int?
        public var fromName: String
        public var at: Double
        public init(node: Int, from: Int?, fromName: String, at: Double) {
            self.node = node
            self.from = from
            self.fromName = fromName
            self.at = at
        }
    }

    public struct Message {
        public var text: String
        public var origin: Int
        public var createdAt: Double
        /// First receipt of the message by each node that got it.
        public var receipts: [Receipt]
        public init(text: String, origin: Int, createdAt: Double, receipts: [Receipt]) {
            self.text = text
            self.origin = origin
            self.createdAt = createdAt
            self.receipts = receipts
        }
    }

    /// Where the logs were read from.
    public var source: String
    /// The run's command line, when known (`cluster --report` knows it; a directory does not).
    public var command: String?
    /// Seeds first, then peers, each sorted by address.
    public var nodes: [Node]
    /// Undirected, each once, as indices into `nodes`.
    public var links: [(Int, Int)]
    /// In order of creation.
    public var messages: [Message]
    /// The time of the last log line read.
    public var end: Double
    /// What the reader left out or could not read, said on the page.
    public var notes: [String]

    public init(
        source: String, command: String?, nodes: [Node], links: [(Int, Int)], messages: [Message], end: Double, notes: [String]
    ) {
        self.source = source
        self.command = command
        self.nodes = nodes
        self.links = links
        self.messages = messages
        self.end = end
        self.notes = notes
    }

    public var peerIndices: [Int] { nodes.indices.filter { !nodes[$0].isSeed } }
}
