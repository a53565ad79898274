import Glibc
import WhsSupport

/// `whs play FILE --svg OUT.svg`: the demo as one animated SVG image. Everything the player
/// writes is kept with its time; at the end the text becomes lines of styled runs, each run
/// shown at its moment by a CSS animation (no script), and the page scrolls a line at a time
/// once the frame is full. A renderer without CSS animations (rsvg-convert) shows the first
/// screenful complete.
final class SVGRecording {
    private let path: String
    private let size: (columns: Int, rows: Int)?
    private let started = FileIO.monotonicSeconds()
    private var chunks: [(time: Double, text: String)] = []

    init(path: String, size: (columns: Int, rows: Int)?) {
        self.path = path
        self.size = size
    }

    func output(_ text: String) { chunks.append((FileIO.monotonicSeconds() - started, text)) }

    /// A run of characters with one style, shown from `time` on.
    struct Run {
        var text: String
        let time: Double
        let style: Style
    }

    struct Style: Equatable {
        var bold = false
        var dim = false
        var color: String?

        /// The SGR parameters of `\e[...m`.
        mutating func apply(_ parameters: String) {
            for part in parameters.split(separator: ";", omittingEmptySubsequences: false) {
                switch Int(part) ?? 0 {
                case 0: self = Style()
                case 1: bold = true
                case 2: dim = true
                case 22: bold = false; dim = false
                case 31: color = "#e06c75"
                case 32: color = "#98c379"
                case 33: color = "#e5c07b"
                case 34: color = "#61afef"
                case 35: color = "#c678dd"
                case 36: color = "#56b6c2"
                case 39: color = nil
                default: continue
                }
            }
        }
    }

    /// The recording as lines of runs: `\n` ends a line, SGR sequences set the style, other
    /// escape sequences and `\r` are dropped.
    func lines() -> [[Run]] {
        var lines: [[Run]] = [[]]
        var style = Style()
        for chunk in chunks {
            var scalars = Array(chunk.text.unicodeScalars)[...]
            while let scalar = scalars.first {
                scalars = scalars.dropFirst()
                switch scalar {
                case "\n": lines.append([])
                case "\r": continue
                case "\u{1B}":
                    guard scalars.first == "[" else { continue }
                    let body = scalars.dropFirst().prefix { !("@"..."~").contains($0) }
                    scalars = scalars.dropFirst(1 + body.count)
                    if scalars.first == "m" { style.apply(String(String.UnicodeScalarView(body))) }
                    scalars = scalars.dropFirst()
                default:
                    if var last = lines[lines.count - 1].last, last.style == style, last.time == chunk.time {
                        last.text.unicodeScalars.append(scalar)
                        lines[lines.count - 1][lines[lines.count - 1].count - 1] = last
                    } else {
                        lines[lines.count - 1].append(Run(text: String(scalar), time: chunk.time, style: style))
                    }
                }
            }
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static let cell = (width: 8.4, height: 18.0)
    static let padding = 12.0
    static let titleBar = 28.0

    /// Writes the image.
    func finish() throws {
        let lines = lines()
        let columns = size?.columns ?? min(160, max(40, lines.map { $0.reduce(0) { $0 + $1.text.count } }.max() ?? 80))
        let rows = size?.rows ?? min(40, max(8, lines.count))
        let duration = max(0.1, (chunks.last?.time ?? 0) + 2)
        let width = SVGRecording.padding * 2 + Double(columns) * SVGRecording.cell.width
        let height = SVGRecording.titleBar + SVGRecording.padding * 2 + Double(rows) * SVGRecording.cell.height
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
            <title>whs demo</title>
            <style>
            .t { fill: #d7dae0; white-space: pre; }
            .b { font-weight: bold; } .d { opacity: 0.6; }
            .a { animation: show 0s linear both; } @keyframes show { from { visibility: hidden; } to { visibility: visible; } }

            """
        // The page scrolls a line each time a line past the frame's last one appears.
        var scrolls: [(time: Double, offset: Int)] = []
        for (index, line) in lines.enumerated() where index >= rows {
            scrolls.append((line.first?.time ?? scrolls.last?.time ?? 0, index - rows + 1))
        }
        if !scrolls.isEmpty {
            svg += ".page { animation: scroll \(SVGRecording.number(duration))s steps(1, end) both; }\n@keyframes scroll {\n"
            svg += "0% { transform: translateY(0px); }\n"
            for scroll in scrolls {
                let percent = min(100, scroll.time / duration * 100)
                svg += "\(SVGRecording.number(percent))% { transform: translateY(-\(SVGRecording.number(Double(scroll.offset) * SVGRecording.cell.height))px); }\n"
            }
            svg += "}\n"
        }
        svg += """
            </style>
            <rect width="100%" height="100%" rx="8" fill="#282c34"/>
            <circle cx="18" cy="14" r="5" fill="#e06c75"/><circle cx="36" cy="14" r="5" fill="#e5c07b"/><circle cx="54" cy="14" r="5" fill="#98c379"/>
            <clipPath id="frame"><rect x="0" y="\(SVGRecording.number(SVGRecording.titleBar))" width="\(Int(width))" height="\(Int(height - SVGRecording.titleBar))"/></clipPath>
            <g clip-path="url(#frame)"><g class="page">

            """
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let y = SVGRecording.titleBar + SVGRecording.padding + Double(index + 1) * SVGRecording.cell.height - 4
            svg += "<text class=\"t\" x=\"\(SVGRecording.number(SVGRecording.padding))\" y=\"\(SVGRecording.number(y))\">"
            for run in line {
                var classes = ["a"]
                if run.style.bold { classes.append("b") }
                if run.style.dim { classes.append("d") }
                let fill = run.style.color.map { " fill=\"\($0)\"" } ?? ""
                svg += "<tspan class=\"\(classes.joined(separator: " "))\"\(fill) style=\"animation-delay:\(SVGRecording.number(run.time))s\">\(SVGRecording.escaped(run.text))</tspan>"
            }
            svg += "</text>\n"
        }
        svg += "</g></g>\n</svg>\n"
        try FileIO.write(svg, to: path)
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Text as XML character data.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // Control characters are not allowed in XML 1.0.
                if let ascii = character.asciiValue, ascii < 0x20, ascii != 0x09 { continue }
                out.append(character)
            }
        }
        return out
    }
}
