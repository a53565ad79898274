import WhsLanguage
import WhsSupport

/// `edit` (psql's `\e`): the last statement, or a procedure's `def`, opened in the editor; what
/// is saved runs as if typed and becomes one history entry. An editor that is missing or fails
/// changes nothing and says why in one line.
enum EditCommand {
    static func spec(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "edit", summary: "open the last statement, or procedure NAME, in $VISUAL or $EDITOR; what is saved runs",
            usage: "edit [NAME]", positionals: ["name"],
            arguments: [ArgumentSpec("name", "a procedure: its def is opened")]
        ) { call in
            guard let history = shell.history, shell.sourceDepth == 0 else {
                throw CommandFailure("edit works at the prompt only: it opens an editor")
            }
            let text: String
            if let name = call.argument("name") {
                let procedures = shell.interpreter.procedures
                guard case .string(let word) = name, let procedure = procedures[word] else {
                    let hint = Suggestion.hint(for: name.plainText, in: Array(procedures.keys))
                    throw CommandFailure("no procedure \(name.literal)\(hint) (edit NAME opens a def; edit alone the last statement)")
                }
                text = procedure.definition
            } else {
                guard let last = history.entries.last else { throw CommandFailure("nothing typed yet to edit (edit NAME opens a procedure)") }
                text = last
            }
            do throws(Editor.Failure) { shell.editedInput = try Editor.edit(text) } catch { shell.report("edit: " + error.message) }
            return .null
        }
    }
}
