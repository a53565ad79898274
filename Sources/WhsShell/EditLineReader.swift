import CEditLine
import Glibc
import WhsSupport

/// The line editor at a terminal: libedit's native API (history, Up/Down, Ctrl-R search, Tab
/// completion, UTF-8). Ctrl-C is a key here, not a signal: the terminal is set `-isig` while a
/// line is edited and ^C is bound to a function that cancels the line, which avoids libedit's
/// races between a signal and typed text. While a statement runs the terminal is back to
/// normal and SIGINT reaches `Signals`.
public final class EditLineReader: LineReader {
    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private var promptText: ContiguousArray<CChar> = []
    /// The prompt to show: asked before each line, since `connect` changes it.
    private let prompt: (_ continuation: Bool) -> String
    fileprivate var cancelled = false
    /// The terminal as it was before libedit took it over for the line: the editor gets it so.
    private var cookedTerminal = termios()
    /// A multi-line text the editor saved (Ctrl-X Ctrl-E), returned instead of the buffer.
    fileprivate var editedText: String?
    /// The line came back from the editor: libedit ends it without the newline.
    fileprivate var endedByEditor = false
    fileprivate let complete: (String) -> Completion

    /// What Tab offers for the text before the cursor: the word being completed and the full
    /// texts that could replace it.
    public struct Completion: Equatable {
        public let word: String
        public let candidates: [String]
        public init(word: String, candidates: [String]) {
            self.word = word
            self.candidates = candidates
        }
    }

    /// A reader for the terminal, or nil when stdin or stdout is not one.
    public init?(prompt: @escaping (_ continuation: Bool) -> String, complete: @escaping (String) -> Completion) {
        guard isatty(0) == 1, isatty(1) == 1 else { return nil }
        EditLineReader.useUTF8Locale()
        guard let input = fdopen(0, "r"), let output = fdopen(1, "w"), let errors = fdopen(2, "w"),
              let editLine = el_init("whs", input, output, errors), let history = history_init() else { return nil }
        self.editLine = editLine
        self.history = history
        self.prompt = prompt
        self.complete = complete
        whs_history_setsize(history, 1000)
        whs_el_set_history(editLine, history)
        whs_el_set_editor(editLine, "emacs")
        whs_el_set_signal(editLine, 0)
        whs_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        whs_el_set_prompt(editLine, { editLine in EditLineReader.owner(editLine)?.currentPrompt() }, 1)
        whs_el_set_getc(editLine, { editLine, character in EditLineReader.readCharacter(editLine, character) })
        whs_el_addfn(editLine, "whs-cancel", "forget the line and any open statement") { editLine, _ in
            EditLineReader.owner(editLine)?.cancelled = true
            return UInt8(CC_NEWLINE)
        }
        whs_el_bind(editLine, "^C", "whs-cancel")
        whs_el_addfn(editLine, "whs-complete", "complete the word before the cursor") { editLine, _ in
            EditLineReader.owner(editLine)?.completeWord() ?? UInt8(CC_ERROR)
        }
        whs_el_bind(editLine, "^I", "whs-complete")
        whs_el_bind(editLine, "^R", "em-inc-search-prev")
        whs_el_addfn(editLine, "whs-edit", "edit the line in $VISUAL or $EDITOR, then run what is saved") { editLine, _ in
            EditLineReader.owner(editLine)?.editInEditor() ?? UInt8(CC_ERROR)
        }
        whs_el_bind(editLine, "^X^E", "whs-edit")
        whs_el_setty(editLine, "-d", "-isig")
    }

    deinit {
        el_end(editLine)
        history_end(history)
    }

    private static func owner(_ editLine: OpaquePointer?) -> EditLineReader? {
        guard let editLine, let data = whs_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue()
    }

    /// libedit drops every non-ASCII character unless the locale's codeset is UTF-8.
    static func useUTF8Locale() {
        setlocale(LC_ALL, "")
        if let codeset = whs_codeset(), String(cString: codeset) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }

    public func read(continuation: Bool) -> LineInput {
        promptText = ContiguousArray(prompt(continuation).utf8CString)
        if Signals.resized.exchange(false, ordering: .relaxed) { el_resize(editLine) }
        cancelled = false
        editedText = nil
        endedByEditor = false
        tcgetattr(0, &cookedTerminal)
        var count: Int32 = 0
        let line = el_gets(editLine, &count)
        if endedByEditor, editedText == nil { _ = "\n".withCString { Glibc.write(1, $0, 1) } }
        if let editedText {
            self.editedText = nil
            _ = (editedText + "\n").withCString { Glibc.write(1, $0, strlen($0)) }
            return .line(editedText)
        }
        // Ctrl-C on an empty line makes el_gets return NULL, as at the end of input: the flag
        // set by the key tells the two apart.
        if cancelled {
            cancelled = false
            // -isig means the terminal did not echo the ^C; show it, as shells do, and end the line.
            _ = "^C\n".withCString { Glibc.write(1, $0, 3) }
            return .cancelled
        }
        guard let line else { return .end }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    public func remember(_ entry: String) {
        whs_history_enter(history, entry)
    }

    fileprivate func currentPrompt() -> UnsafeMutablePointer<CChar>? {
        promptText.withUnsafeMutableBufferPointer { $0.baseAddress }
    }

    /// Reads one character for libedit, decoding UTF-8 itself so that a terminal resize
    /// (SIGWINCH interrupting the read) can be answered in the middle of a line.
    private static func readCharacter(_ editLine: OpaquePointer?, _ character: UnsafeMutablePointer<wchar_t>?) -> Int32 {
        func byte() -> Int? {
            var value: UInt8 = 0
            while true {
                let count = Glibc.read(0, &value, 1)
                if count == 1 { return Int(value) }
                if count == 0 { return nil }
                guard errno == EINTR else { return nil }
                if Signals.resized.exchange(false, ordering: .relaxed), let editLine {
                    el_resize(editLine)
                }
            }
        }
        guard let lead = byte() else { return 0 }
        var scalar = lead
        let extra: Int
        switch lead {
        case 0xF0...0xF7: extra = 3; scalar = lead & 0x07
        case 0xE0...0xEF: extra = 2; scalar = lead & 0x0F
        case 0xC0...0xDF: extra = 1; scalar = lead & 0x1F
        default: extra = 0
        }
        for _ in 0..<extra {
            guard let next = byte() else { return 0 }
            scalar = scalar << 6 | (next & 0x3F)
        }
        character?.pointee = wchar_t(truncatingIfNeeded: scalar)
        return 1
    }

    /// Ctrl-X Ctrl-E: the line so far in the editor, with the terminal as it was before libedit
    /// took it. What is saved runs at once, as if typed (one line replaces the typed one; more
    /// lines are shown under the prompt); an editor that fails leaves the line as it was and
    /// one line says why.
    fileprivate func editInEditor() -> UInt8 {
        guard let info = el_line(editLine)?.pointee, let buffer = info.buffer else { return UInt8(CC_ERROR) }
        let typed = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                                         count: info.lastchar - buffer), as: UTF8.self)
        let toEnd = Int32(info.lastchar - info.cursor), length = Int32(info.lastchar - buffer)
        var editing = termios()
        tcgetattr(0, &editing)
        tcsetattr(0, TCSADRAIN, &cookedTerminal)
        _ = "\n".withCString { Glibc.write(1, $0, 1) }
        let result = Result { () throws(Editor.Failure) in try Editor.edit(typed) }
        tcsetattr(0, TCSADRAIN, &editing)
        switch result {
        case .failure(let failure):
            let line = "edit: " + failure.message + "\r\n"
            _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
            return UInt8(CC_REDISPLAY)
        case .success(let text):
            el_cursor(editLine, toEnd)
            el_deletestr(editLine, length)
            if text.contains("\n") {
                editedText = text
            } else {
                el_insertstr(editLine, text)
            }
            whs_el_refresh(editLine)
            endedByEditor = true
            return UInt8(CC_NEWLINE)
        }
    }

    /// Tab: one candidate is inserted; several insert what they share, and when they share no
    /// more than was typed they are listed under the line.
    fileprivate func completeWord() -> UInt8 {
        guard let info = el_line(editLine)?.pointee, let buffer = info.buffer else { return UInt8(CC_ERROR) }
        let before = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self),
                                                          count: info.cursor - buffer), as: UTF8.self)
        let completion = complete(before)
        guard !completion.candidates.isEmpty else { return UInt8(CC_ERROR) }
        let shared = Completer.commonPrefix(completion.candidates)
        if shared.count > completion.word.count {
            el_insertstr(editLine, String(shared.dropFirst(completion.word.count)))
            return UInt8(CC_REFRESH)
        }
        if completion.candidates.count == 1 { return UInt8(CC_REFRESH) }
        let listing = "\n" + Completer.columns(completion.candidates, width: Terminal.columns() ?? 80) + "\n"
        _ = listing.withCString { Glibc.write(1, $0, strlen($0)) }
        return UInt8(CC_REDISPLAY)
    }

}
