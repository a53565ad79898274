import WhsLanguage
import WhsSupport

/// What only the files a text sources can tell, as warnings: the shell finds these when the
/// script runs, an editor can say them before. A `source` whose file is not found anywhere the
/// server looks; and, when every sourced file was found, a call to a procedure that neither the
/// text nor its libraries define (the shell lets such calls wait for run time, where they fail
/// with "unknown function or procedure").
extension LanguageServer {
    func sourceWarnings(_ document: TextDocument, _ analysis: Analysis) -> [(range: Range<Int>, message: String)] {
        let sources = analysis.outline.commands.filter { $0.name == "source" && $0.isKnown }
        guard !sources.isEmpty else { return [] }
        var warnings: [(range: Range<Int>, message: String)] = []
        var allFound = true
        for use in sources {
            // A path worked out at run time (`source $lib`) cannot be followed before it.
            guard let argument = use.arguments.first, let range = argument.valueRange, let path = argument.literal else {
                allFound = false
                continue
            }
            if resolve(path, from: document) == nil {
                allFound = false
                warnings.append((range, "source: no file \(path) beside this one, in the workspace or where the server started"))
            }
        }
        guard allFound else { return warnings }
        let known = procedures(visibleFrom: document, analysis: analysis).map(\.name)
        for call in analysis.outline.calls where call.isProcedure && !known.contains(call.name) {
            let hint = Suggestion.hint(for: call.name, in: known + Array(interpreter.functions.keys))
            warnings.append((call.nameRange, "unknown function or procedure \"\(call.name)\"\(hint) (neither this file nor the files it sources define it)"))
        }
        return warnings
    }
}
