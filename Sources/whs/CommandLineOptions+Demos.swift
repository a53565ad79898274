import WhsSupport

/// `whs play` and `whs check` (docs/DEMOS.md).
extension CommandLineOptions {
    struct Play: Equatable {
        var file = ""
        var pace = 30
        var step = false
        var cast: String?
        var svg: String?
        /// `--size COLSxROWS` for the image.
        var svgColumns: Int?
        var svgRows: Int?
        /// nil: a fresh in-memory store.
        var store: String?
    }

    struct Check: Equatable {
        var files: [String] = []
        var update = false
    }

    static let playUsage = """
        usage: whs play FILE [--pace MS] [--step] [--cast OUT.cast] [--svg OUT.svg [--size COLSxROWS]] [--store PATH]

        Replays a script as if typed at the prompt: the prompt, each statement typed a character
        every MS milliseconds (default 30; 0 types instantly), then its real output. Lines
        `#> text` in the file are shown as captions between statements. --step waits for Enter
        before each statement; --cast also writes an asciicast v2 recording; --svg an animated
        SVG image of the play, in colour, sized to the demo or to --size (e.g. 100x30). Runs on a fresh
        in-memory store unless --store names one; errors are shown and the play goes on.
        """

    static let checkUsage = """
        usage: whs check [--update] FILE...

        Runs each script on a fresh in-memory store and compares what every statement shows
        with the `#=> ` lines after it; `...` in a line matches any text, a line of `...` any
        number of lines. A difference is printed with FILE:LINE and the run exits 1.
        --update writes what each statement showed into the file instead.
        """

    static func parsePlay(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Play {
        var play = Play()
        var reader = OptionWords("play", words)
        while let word = reader.next() {
            switch word {
            case "--pace": play.pace = try reader.number(for: word, in: 0...10_000, unit: "milliseconds, ")
            case "--step": play.step = true
            case "--cast": play.cast = try reader.value(for: word)
            case "--svg": play.svg = try reader.value(for: word)
            case "--size":
                let text = try reader.value(for: word)
                let parts = text.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (20...400).contains(parts[0]), (5...200).contains(parts[1]) else {
                    throw UsageError(message: "play: --size is COLSxROWS, 20 to 400 columns and 5 to 200 rows (e.g. 100x30), got '\(text)'")
                }
                (play.svgColumns, play.svgRows) = (parts[0], parts[1])
            case "--store": play.store = try reader.value(for: word)
            case "-h", "--help": options.action = .help(topic: "play"); return play
            default:
                if word.hasPrefix("-") { throw reader.unknown(word, known: ["--pace", "--step", "--cast", "--svg", "--size", "--store"]) }
                guard play.file.isEmpty else { throw UsageError(message: "play: one file at a time, got '\(play.file)' and '\(word)'") }
                play.file = word
            }
        }
        guard !play.file.isEmpty else { throw UsageError(message: "play: which file? (whs play FILE)") }
        if play.svgColumns != nil, play.svg == nil { throw UsageError(message: "play: --size is the size of the --svg image; give --svg OUT.svg too") }
        return play
    }

    static func parseCheck(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Check {
        var check = Check()
        for word in words {
            switch word {
            case "--update": check.update = true
            case "-h", "--help": options.action = .help(topic: "check"); return check
            default:
                if word.hasPrefix("-") { throw OptionWords("check", words).unknown(word, known: ["--update"]) }
                check.files.append(word)
            }
        }
        guard !check.files.isEmpty else { throw UsageError(message: "check: which files? (whs check FILE...)") }
        return check
    }
}
