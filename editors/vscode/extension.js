// whs for VS Code: starts `whs lsp` for .whs files, over stdin and stdout. Everything else
// (diagnostics, completion, hover, definitions, symbols) is the server's (docs/EDITORS.md).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("whs").get("path") || "whs";
  client = new LanguageClient(
    "whs",
    "whs",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "whs" }] },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
