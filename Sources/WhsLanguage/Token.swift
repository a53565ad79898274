/// A token of the whs language. The scanner is driven by the parser, which says whether it
/// expects a value or an operator next: that is how `https://x/a?b=1` is one bareword where a
/// value is expected while `$a / 2` divides.
struct Token: Equatable {
    enum Kind: Equatable {
        case end
        case newline, semicolon, comma, colon, dot, assign
        case openParen, closeParen, openBracket, closeBracket, openBrace, closeBrace
        case plus, minus, star, slash, percent
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        /// `$name`
        case variable(String)
        case integer(Int)
        case decimal(Double)
        /// `250ms`, `5s`, `2m`, `1h`: seconds and the text as written.
        case duration(Double, String)
        /// A string literal; interpolated parts point back into the source.
        case string([StringPiece])
        /// Letters, digits and `_` starting with a letter or `_`: a command, function, argument
        /// or key name where one fits, else a bareword.
        case name(String)
        /// Any other word where a value is expected: a string without quotes.
        case bareword(String)
        case keyword(Keyword)
        /// A character the language has no use for here.
        case unexpected(Character)
    }

    let kind: Kind
    /// Byte offsets of the token in its source.
    let start: Int
    let end: Int
    /// True when white space (or a comment) separates this token from the one before.
    let spaceBefore: Bool
}

enum StringPiece: Equatable {
    case text(String)
    /// `$name` or `${...}`: the byte range of the code inside.
    case code(Range<Int>, variableName: Bool)
}

enum Keyword: String, CaseIterable {
    case `if`, elif, `else`, `for`, `in`, `while`, `break`, `continue`, assert, and, or, not, `true`, `false`, null

    /// The keyword spelled by these bytes, if any. The scanner asks for every name it reads,
    /// before making a String of it, so the first byte and the length rule most names out.
    static func lookup(_ bytes: ArraySlice<UInt8>) -> Keyword? {
        guard bytes.count >= 2, bytes.count <= 8, let first = bytes.first else { return nil }
        let candidate: Keyword?
        switch (first, bytes.count) {
        case (UInt8(ascii: "i"), 2): candidate = bytes.last == UInt8(ascii: "f") ? .if : .in
        case (UInt8(ascii: "e"), 4): candidate = bytes[bytes.startIndex + 1] == UInt8(ascii: "l") && bytes.last == UInt8(ascii: "f") ? .elif : .else
        case (UInt8(ascii: "f"), 3): candidate = .for
        case (UInt8(ascii: "f"), 5): candidate = .false
        case (UInt8(ascii: "w"), 5): candidate = .while
        case (UInt8(ascii: "b"), 5): candidate = .break
        case (UInt8(ascii: "c"), 8): candidate = .continue
        case (UInt8(ascii: "a"), 6): candidate = .assert
        case (UInt8(ascii: "a"), 3): candidate = .and
        case (UInt8(ascii: "o"), 2): candidate = .or
        case (UInt8(ascii: "n"), 3): candidate = .not
        case (UInt8(ascii: "n"), 4): candidate = .null
        case (UInt8(ascii: "t"), 4): candidate = .true
        default: candidate = nil
        }
        guard let candidate, candidate.rawValue.utf8.elementsEqual(bytes) else { return nil }
        return candidate
    }

    static func lookup(_ word: String) -> Keyword? { lookup(ArraySlice(word.utf8)) }
}

extension Token.Kind {
    /// How the kind reads in a message: `']'`, `end of input`, `name "list"`.
    var display: String {
        switch self {
        case .end: "end of input"
        case .newline: "end of line"
        case .semicolon: "';'"
        case .comma: "','"
        case .colon: "':'"
        case .dot: "'.'"
        case .assign: "'='"
        case .openParen: "'('"
        case .closeParen: "')'"
        case .openBracket: "'['"
        case .closeBracket: "']'"
        case .openBrace: "'{'"
        case .closeBrace: "'}'"
        case .plus: "'+'"
        case .minus: "'-'"
        case .star: "'*'"
        case .slash: "'/'"
        case .percent: "'%'"
        case .equal: "'=='"
        case .notEqual: "'!='"
        case .less: "'<'"
        case .lessEqual: "'<='"
        case .greater: "'>'"
        case .greaterEqual: "'>='"
        case .variable(let name): "variable $\(name)"
        case .integer(let value): "number \(value)"
        case .decimal(let value): "number \(value)"
        case .duration(_, let text): "duration \(text)"
        case .string: "string"
        case .name(let name): "'\(name)'"
        case .bareword(let word): "'\(word)'"
        case .keyword(let keyword): "'\(keyword.rawValue)'"
        case .unexpected(let character): "'\(character)'"
        }
    }
}
