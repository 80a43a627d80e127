/// Splitting a log into its lines (the one way readers do it).
public enum LogLines {
    /// Calls `body` with each complete line of a log's text, without its newline.
    ///
    /// Lines end at a `\n` byte, and only there: never split a log by `Character` (Swift takes
    /// `"\r\n"` for one character, so `split(separator: "\n")` would merge a line ending in `\r`
    /// with the next one). A last line without its newline is left out: it is torn (the
    /// node was killed while writing it) or still being written, and half a line must not be
    /// read as a whole one.
    public static func forEach(in text: Substring, _ body: (Substring) throws -> Void) rethrows {
        let utf8 = text.utf8
        var start = utf8.startIndex
        while let newline = utf8[start...].firstIndex(of: 10) {
            try body(text[start..<newline])
            start = utf8.index(after: newline)
        }
    }

    /// The complete lines of a log's text, as `forEach` reads them.
    public static func lines(in text: Substring) -> [Substring] {
        var lines: [Substring] = []
        forEach(in: text) { lines.append($0) }
        return lines
    }

    /// The complete lines of a log's text, as `forEach` reads them.
    public static func lines(in text: String) -> [Substring] { lines(in: text[...]) }
}
