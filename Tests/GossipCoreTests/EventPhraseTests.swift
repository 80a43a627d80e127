import Foundation
import Testing

@testable import GossipCore

/// Only the renderer spells a log sentence and only the parser reads one: no string literal
/// anywhere else in Sources/ or Tests/ holds one of the renderer's fixed phrases, so no code
/// matches (or forges) a sentence by hand, and rewording one loses no figure.
@Suite("Log phrases")
struct EventPhraseTests {
    /// The fixed phrases: the opening words of each sentence (what a reader would match with
    /// `hasPrefix`, up to its first value or punctuation), and every other literal stretch of four
    /// words or more. Shorter inner pieces (`forwarded to`, `peers listed`) are ordinary prose.
    static var phrases: Set<String> {
        var phrases: Set<String> = []
        for template in EventTemplate.table {
            for (index, part) in template.parts.enumerated() {
                guard case .literal(let bytes) = part else { continue }
                let pieces = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { ";:(),".contains($0) })
                for (number, piece) in pieces.enumerated() {
                    let phrase = piece.trimmingCharacters(in: .whitespaces)
                    let words = phrase.split(separator: " ").count
                    let opening = index == 0 && number == 0
                    if (opening && words >= 2 && phrase.count >= 8) || words >= 4 { phrases.insert(phrase) }
                }
            }
        }
        return phrases
    }

    /// The string literals of Swift source (`"..."`, `"""..."""`, `#"..."#`), comments left out.
    static func literals(in source: String) -> [String] {
        var literals: [String] = []
        let scalars = Array(source.unicodeScalars)
        var index = 0
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        while index < scalars.count {
            if scalars[index] == "/" && at(1) == "/" {
                while index < scalars.count && scalars[index] != "\n" { index += 1 }
            } else if scalars[index] == "/" && at(1) == "*" {
                index += 2
                while index < scalars.count && !(scalars[index] == "*" && at(1) == "/") { index += 1 }
                index += 2
            } else if scalars[index] == "#" || scalars[index] == "\"" {
                var hashes = 0
                while at(hashes) == "#" { hashes += 1 }
                guard at(hashes) == "\"" else {
                    index += max(hashes, 1)
                    continue
                }
                index += hashes
                let triple = at(1) == "\"" && at(2) == "\""
                let quotes = triple ? 3 : 1
                index += quotes
                var literal = String.UnicodeScalarView()
                while index < scalars.count {
                    if hashes == 0 && scalars[index] == "\\" {
                        literal.append(scalars[index])
                        if let next = at(1) { literal.append(next) }
                        index += 2
                        continue
                    }
                    let closes = (0..<quotes).allSatisfy { at($0) == "\"" } && (0..<hashes).allSatisfy { at(quotes + $0) == "#" }
                    if closes { break }
                    if !triple && scalars[index] == "\n" { break }
                    literal.append(scalars[index])
                    index += 1
                }
                index += quotes + hashes
                literals.append(String(literal))
            } else {
                index += 1
            }
        }
        return literals
    }

    @Test("the phrases are found, and a literal holding one is caught")
    func theScanWorks() {
        let phrases = Self.phrases
        #expect(phrases.contains("Removed peer"))
        #expect(phrases.contains("Linked with peer"))
        #expect(phrases.count > 50)
        let source = """
            // "Removed peer" in a comment is fine
            let a = "a Removed peer b"
            let b = #"raw Linked with peer"#
            let c = "escaped \\" quote"
            """
        #expect(Self.literals(in: source) == ["a Removed peer b", "raw Linked with peer", #"escaped \" quote"#])
    }

    @Test("no source or test file outside the renderer and its parser holds a log phrase")
    func nobodyElseSpellsASentence() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
        let phrases = Self.phrases
        var offenders: [String] = []
        var scanned = 0
        for folder in ["Sources", "Tests"] {
            let base = root.appendingPathComponent(folder)
            for file in try FileManager.default.subpathsOfDirectory(atPath: base.path) where file.hasSuffix(".swift") {
                if folder == "Sources" && file.hasPrefix("GossipCore/Events/") { continue }
                if file.hasSuffix("EventPhraseTests.swift") || file.hasSuffix("EventRoundTripTests.swift") { continue }
                scanned += 1
                let source = try String(contentsOfFile: base.appendingPathComponent(file).path, encoding: .utf8)
                for literal in Self.literals(in: source) {
                    for phrase in phrases where literal.contains(phrase) {
                        offenders.append("\(folder)/\(file): \"\(phrase)\" in \"\(literal.prefix(100))\"")
                    }
                }
            }
        }
        #expect(scanned > 100, "found the sources under \(root.path)")
        #expect(offenders.isEmpty, "\(offenders.count) literals spell a log sentence:\n\(offenders.joined(separator: "\n"))")
    }
}
