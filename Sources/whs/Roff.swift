/// A man page being written in roff (the man macros), with the text escaped so that groff
/// prints it as written: `-` as a minus (flags survive copy and paste), `'` and `` ` `` as
/// plain quotes, a leading `.` not taken for a request, other characters as `\[uXXXX]`.
struct Roff {
    private(set) var lines: [String] = []

    var text: String { lines.joined(separator: "\n") + "\n" }

    /// `.TH WHS 1 DATE "whs VERSION" "User Commands"`
    mutating func header(_ name: String, section: Int, manual: String) {
        lines.append(".TH \(name) \(section) \(quoted(BuildStamp.date)) \(quoted("whs \(BuildStamp.version)")) \(quoted(manual))")
        // Left-aligned and unhyphenated: paths and URLs are not cut into pieces.
        lines.append(".nh")
        lines.append(".ad l")
    }

    mutating func section(_ title: String) { lines.append(".SH \(quoted(title))") }
    mutating func subsection(_ title: String) { lines.append(".SS \(quoted(title))") }

    /// A line of roff, as it is.
    mutating func raw(_ line: String) { lines.append(line) }

    /// Paragraphs separated by blank lines, filled by groff; a block of lines indented by two
    /// spaces is kept as it is (a table of checks, commands to type). `code` spans (backticks)
    /// are set in bold.
    mutating func paragraphs(_ text: String) {
        var paragraph: [String] = []
        var block: [String] = []
        func flush() {
            if !paragraph.isEmpty {
                lines.append(".PP")
                lines.append(contentsOf: paragraph.map { Roff.escaped($0, code: true) })
                paragraph = []
            }
            if !block.isEmpty {
                lines.append(contentsOf: [".PP", ".RS 2", ".nf"] + block.map { Roff.escaped(String($0.dropFirst(2)), code: false) } + [".fi", ".RE"])
                block = []
            }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " }) {
                flush()
            } else if line.hasPrefix("  ") {
                if !paragraph.isEmpty { flush() }
                block.append(String(line))
            } else {
                if !block.isEmpty { flush() }
                paragraph.append(String(line))
            }
        }
        flush()
    }

    /// `.TP` with a tag already in roff and a body of text.
    mutating func tagged(_ tag: String, _ body: String) {
        lines.append(".TP")
        lines.append(tag)
        lines.append(Roff.escaped(body, code: true))
    }

    /// Lines kept as they are, indented.
    mutating func example(_ block: [String]) {
        lines.append(contentsOf: [".PP", ".RS 2", ".nf"] + block.map { Roff.escaped($0, code: false) } + [".fi", ".RE"])
    }

    /// `\fB--store\fR \fIPATH\fR` for a flag; the names of one flag separated by commas.
    static func flag(_ flag: FlagSpec) -> String {
        let names = flag.names.map { "\\fB\(escaped($0))\\fR" }.joined(separator: ", ")
        return flag.takesValue ? "\(names) \\fI\(escaped(flag.metavar))\\fR" : names
    }

    /// A synopsis in roff: what is typed as it is in bold (whs, flags, fixed words), what
    /// stands for a value in italics (a flag's value, capitals, `'STATEMENTS'`).
    static func synopsis(_ usage: String) -> String {
        var result: [String] = []
        var afterFlag = false
        for token in usage.split(separator: " ") {
            var text = ""
            var word = ""
            func end() {
                guard !word.isEmpty else { return }
                var ellipsis = ""
                if word.hasSuffix("...") { word.removeLast(3); ellipsis = "..." }
                let isValue = afterFlag || word.contains { $0.isUppercase } || word.hasPrefix("'")
                text += (isValue ? "\\fI" : "\\fB") + escaped(word) + "\\fR" + ellipsis
                afterFlag = word.hasPrefix("-") && !isValue
                word = ""
            }
            for character in token {
                if "[]|".contains(character) {
                    end()
                    text += String(character)
                } else {
                    word.append(character)
                }
            }
            end()
            result.append(text)
        }
        return result.joined(separator: " ")
    }

    /// In double quotes for a macro's argument.
    func quoted(_ text: String) -> String { "\"" + Roff.escaped(text).replacingQuotes + "\"" }

    /// `text` escaped for groff; with `code`, `` `spans` `` become bold.
    static func escaped(_ text: String, code: Bool = false) -> String {
        var result = ""
        var inCode = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\e"
            case "-": result += "\\-"
            case "'": result += "\\(aq"
            case "`" where code:
                result += inCode ? "\\fR" : "\\fB"
                inCode.toggle()
            case "`": result += "\\(ga"
            case "~": result += "\\(ti"
            case "^": result += "\\(ha"
            default:
                if scalar.value < 0x80 {
                    result.unicodeScalars.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\[u\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)]"
                }
            }
        }
        if inCode { result += "\\fR" }
        // A line that starts with a dot would be a request (a quote is already \(aq).
        if result.hasPrefix(".") { result = "\\&" + result }
        return result
    }
}

private extension String {
    /// `"` inside a macro's quoted argument is written `""`... groff reads `\(dq` more safely.
    var replacingQuotes: String { split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\(dq") }
}
