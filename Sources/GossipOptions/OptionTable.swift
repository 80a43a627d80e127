/// One option of a program, as its `--help` shows it and its parser accepts it.
///
/// Each program has one list of these (`SeedOptions.table`, `PeerOptions.table`, cluster's
/// commands): its help is generated from the list, and its parser refuses any option that is
/// not in it (`OptionTable.check`), so an option cannot be added without its line of help.
public struct OptionSpec: Sendable, Equatable {
    /// `--port`, with its dashes.
    public var name: String
    /// What follows the name: `N`, `D`, `FILE`; empty for a flag that takes no value.
    public var value: String
    /// The default, as a person reads it: `13s`, `asked on stdin`, `none`.
    public var defaultText: String
    /// What it does, in a sentence or two.
    public var meaning: String

    public init(_ name: String, _ value: String = "", default defaultText: String, _ meaning: String) {
        self.name = name
        self.value = value
        self.defaultText = defaultText
        self.meaning = meaning
    }
}

/// A program's (or a subcommand's) help: what it does, and its options in groups.
public struct OptionTable: Sendable {
    /// `seed [OPTION...]`, without `usage: `.
    public var synopsis: String
    /// A few lines on what it does.
    public var summary: String
    public var groups: [(title: String, options: [OptionSpec])]
    /// Closing lines: formats, exit statuses, related commands.
    public var notes: String

    public init(synopsis: String, summary: String, groups: [(title: String, options: [OptionSpec])], notes: String = "") {
        self.synopsis = synopsis
        self.summary = summary
        self.groups = groups
        self.notes = notes
    }

    /// Every option, in the order shown.
    public var options: [OptionSpec] { groups.flatMap(\.options) }

    public func spec(_ name: String) -> OptionSpec? { options.first { $0.name == name } }

    /// Refuses an option the table does not list. (`--help` and `--version`, every program's,
    /// are answered before the options are parsed.)
    public func check(_ name: String) throws(UsageError) {
        guard spec(name) != nil else { throw UsageError("unknown option \(name)") }
    }

    /// The text `--help` prints: the synopsis, the summary, one line (or a wrapped few) per
    /// option with its meaning and default, then the notes.
    public func text(width: Int = 100) -> String {
        var lines = ["usage: " + synopsis]
        if !summary.isEmpty { lines += summary.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        let column = min(28, (options.map { Self.label($0).count }.max() ?? 0) + 4)
        for group in groups where !group.options.isEmpty {
            lines.append("")
            lines.append(group.title + ":")
            for option in group.options {
                let label = "  " + Self.label(option)
                let meaning = option.meaning + " (default: \(option.defaultText))"
                let wrapped = Self.wrap(meaning, width: width - column)
                if label.count + 2 > column {
                    lines.append(label)
                    lines += wrapped.map { String(repeating: " ", count: column) + $0 }
                } else {
                    lines.append(label.padding(to: column) + wrapped[0])
                    lines += wrapped.dropFirst().map { String(repeating: " ", count: column) + $0 }
                }
            }
        }
        lines.append("")
        lines.append("  --help".padding(to: column) + "this text, then exit 0")
        lines.append("  --version".padding(to: column) + "the program's version, then exit 0")
        if !notes.isEmpty {
            lines.append("")
            for line in notes.split(separator: "\n", omittingEmptySubsequences: false) {
                let indent = String(line.prefix { $0 == " " })
                lines += Self.wrap(String(line), width: width - indent.count).map { indent + $0 }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func label(_ option: OptionSpec) -> String {
        option.value.isEmpty ? option.name : option.name + " " + option.value
    }

    /// Words filled into lines of at most `width` characters (a longer word gets a line of its own).
    public static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        lines.append(line)
        return lines
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

/// The one version of the programs: `seed --version`, `peer --version` and `cluster --version`
/// print it.
public enum GossipVersion {
    public static let current = "0.9.0"

    /// `seed 0.9.0 (gossip network; protocol of docs/PROTOCOL.md)`.
    public static func line(program: String) -> String {
        "\(program) \(current) (gossip network: seed, peer, cluster)"
    }
}
