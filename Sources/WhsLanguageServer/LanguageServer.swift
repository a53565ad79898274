import Glibc
import WhsLanguage
import WhsSupport

/// `whs lsp`: a language server for `.whs` files over stdin and stdout (LSP 3.17, JSON-RPC 2.0
/// in Content-Length frames). It knows the language through the shell's own parser and command
/// table, handed over as an `Interpreter` on which nothing ever runs: a file is parsed
/// (`Interpreter.analyse`), never executed. One request at a time, in order; a change is
/// answered with its diagnostics before the next message is read.
public final class LanguageServer {
    let interpreter: Interpreter
    let version: String
    var stream: MessageStream
    var documents: [String: TextDocument] = [:]
    /// Folders the client opened (`rootUri`, `workspaceFolders`): where `source lib.whs` is
    /// looked for after the file's own folder.
    var roots: [String] = []
    var initialized = false
    /// Sourced files that are not open, parsed, by path, with the modification time and size
    /// they were read at: read again only when they change.
    var libraries: [String: (stamp: [Int], document: TextDocument)] = [:]
    /// The client shows Markdown in hovers (it says so in `initialize`); else plain text.
    var hoverMarkdown = false
    var shutdownRequested = false

    /// JSON-RPC's and LSP's error codes.
    enum ErrorCode: Int {
        case parseError = -32700, invalidRequest = -32600, methodNotFound = -32601, invalidParams = -32602
        case serverNotInitialized = -32002
    }

    struct Failure: Error {
        let code: ErrorCode
        let message: String
    }

    public init(interpreter: Interpreter, version: String, input: Int32 = 0, output: Int32 = 1) {
        self.interpreter = interpreter
        self.version = version
        stream = MessageStream(input: input, output: output)
    }

    /// Serves until `exit` or the end of input; the process's exit status. A client that goes
    /// away (its end of the pipe closed, even mid-message) ends the server quietly.
    public func run() -> Int32 {
        // A write to a client that has gone must fail, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        while true {
            switch stream.next() {
            case .end:
                return 0
            case .badHeader(let why):
                guard reply(id: .null, error: Failure(code: .parseError, message: "Parse error: \(why)")) else { return 0 }
            case .message(let body):
                if let status = handle(body) { return status }
            }
        }
    }

    /// One message; an exit status when it was `exit` or the client is gone.
    func handle(_ body: [UInt8]) -> Int32? {
        let message: JSON
        do { message = try JSON.parse(bytes: body) } catch {
            return reply(id: .null, error: Failure(code: .parseError, message: "Parse error: \(error)")) ? nil : 0
        }
        guard case .object = message, message["jsonrpc"] == .string("2.0") else {
            return reply(id: validID(message["id"]) ?? .null,
                         error: Failure(code: .invalidRequest, message: "Invalid Request: a JSON-RPC 2.0 object (\"jsonrpc\": \"2.0\") is expected")) ? nil : 0
        }
        let id = message["id"]
        guard case .string(let method)? = message["method"] else {
            // A response to something the server asked: it asks nothing, so there is nothing to do.
            if id != nil, message["result"] != nil || message["error"] != nil { return nil }
            return reply(id: validID(id) ?? .null, error: Failure(code: .invalidRequest, message: "Invalid Request: no method")) ? nil : 0
        }
        let params = message["params"] ?? .null
        guard let id else {
            return notification(method, params)
        }
        guard let requestID = validID(id) else {
            return reply(id: .null, error: Failure(code: .invalidRequest, message: "Invalid Request: an id is a number or a string")) ? nil : 0
        }
        let answer: Result<JSON, Failure>
        do { answer = .success(try request(method, params)) } catch { answer = .failure(error) }
        switch answer {
        case .success(let result): return reply(id: requestID, result: result) ? nil : 0
        case .failure(let failure): return reply(id: requestID, error: failure) ? nil : 0
        }
    }

    func validID(_ id: JSON?) -> JSON? {
        switch id {
        case .int?, .string?: id
        default: nil
        }
    }

    func request(_ method: String, _ params: JSON) throws(Failure) -> JSON {
        if method == "initialize" { return initialize(params) }
        guard initialized else { throw Failure(code: .serverNotInitialized, message: "\(method) before initialize") }
        if shutdownRequested, method != "shutdown" { throw Failure(code: .invalidRequest, message: "\(method) after shutdown") }
        switch method {
        case "shutdown":
            shutdownRequested = true
            return .null
        case "textDocument/completion": return try completion(params)
        case "textDocument/hover": return try hover(params)
        case "textDocument/definition": return try definition(params)
        case "textDocument/documentSymbol": return try documentSymbols(params)
        case "textDocument/codeAction": return try codeActions(params)
        case "textDocument/diagnostic":
            let document = try document(params)
            return .object([("kind", .string("full")), ("items", .array(diagnostics(of: document)))])
        default:
            throw Failure(code: .methodNotFound, message: "Method not found: \(method)")
        }
    }

    /// A notification; an exit status for `exit`.
    func notification(_ method: String, _ params: JSON) -> Int32? {
        switch method {
        case "exit": return shutdownRequested ? 0 : 1
        case "initialized": return nil
        case "textDocument/didOpen": opened(params)
        case "textDocument/didChange": changed(params)
        case "textDocument/didClose": closed(params)
        default: break  // `$/cancelRequest`, `workspace/didChangeConfiguration`...: nothing to do
        }
        return nil
    }

    func initialize(_ params: JSON) -> JSON {
        initialized = true
        if case .array(let formats)? = params["capabilities"]?["textDocument"]?["hover"]?["contentFormat"] {
            hoverMarkdown = formats.contains(.string("markdown"))
        }
        if case .array(let folders)? = params["workspaceFolders"] {
            roots += folders.compactMap { $0["uri"].flatMap(\.stringValue).flatMap(FileURI.path) }
        }
        if let root = params["rootUri"].flatMap(\.stringValue).flatMap(FileURI.path) { roots.append(root) }
        let capabilities: JSON = .object([
            ("positionEncoding", .string("utf-16")),
            ("textDocumentSync", .object([("openClose", .bool(true)), ("change", .int(2))])),
            ("completionProvider", .object([("triggerCharacters", .array(["=", "$", ",", "["].map { .string($0) }))])),
            ("hoverProvider", .bool(true)),
            ("definitionProvider", .bool(true)),
            ("documentSymbolProvider", .bool(true)),
            ("codeActionProvider", .object([("codeActionKinds", .array([.string("quickfix")]))])),
        ])
        return .object([
            ("capabilities", capabilities),
            ("serverInfo", .object([("name", .string("whs")), ("version", .string(version))])),
        ])
    }

    // MARK: sending

    func reply(id: JSON, result: JSON) -> Bool {
        stream.send(JSON.object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)]).bytes)
    }

    func reply(id: JSON, error: Failure) -> Bool {
        let body: JSON = .object([("code", .int(error.code.rawValue)), ("message", .string(error.message))])
        return stream.send(JSON.object([("jsonrpc", .string("2.0")), ("id", id), ("error", body)]).bytes)
    }

    @discardableResult
    func notify(_ method: String, _ params: JSON) -> Bool {
        stream.send(JSON.object([("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params)]).bytes)
    }
}

extension JSON {
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    var intValue: Int? { if case .int(let number) = self { number } else { nil } }
}
