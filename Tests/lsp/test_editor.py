"""`whs lsp` driven by a real LSP client (pytest-lsp, on pygls's client) as an editor drives
it: diagnostics as the text changes, completion, hover, go to definition (into a sourced
file), document symbols; and nothing of a file it analyses ever runs."""
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsptools import WHS

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[WHS, "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path):
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]),
        )
    )
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities, root_uri=tmp_path.as_uri()))
    yield
    await lsp_client.shutdown_session()


async def open_file(client, path: pathlib.Path, text: str):
    """Writes and opens a file; its first diagnostics."""
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="whs", version=1, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri, client.diagnostics[uri]


def at(line, character):
    return types.Position(line=line, character=character)


def span(diagnostic):
    r = diagnostic.range
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def test_a_typo_in_a_command_then_its_fix(client: LanguageClient, tmp_path):
    uri, diagnostics = await open_file(client, tmp_path / "hooks.whs", "# webhooks\nlist limit=2\nlsit limit=2\n")
    assert len(diagnostics) == 1
    assert span(diagnostics[0]) == (2, 0, 2, 4)
    assert diagnostics[0].message == 'unknown command "lsit"; did you mean "list"?'
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    # The fix, sent as an edit of that word only (incremental sync).
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=at(2, 0), end=at(2, 4)), text="list")]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []
    # And broken again, as a whole text (full sync).
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="list limt=2\n")]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [diagnostic] = client.diagnostics[uri]
    assert span(diagnostic) == (0, 5, 0, 9)
    assert 'did you mean "limit"?' in diagnostic.message


async def test_every_mistake_at_once(client: LanguageClient, tmp_path):
    text = ("lst\n"
            "def check($hook) {\n"
            "  print lenn($hook)\n"
            "  assert $hook.url != \"\"\n"
            "}\n"
            "add https://x.example/h evnts=open\n"
            "print \"caf\u00e9\" nope(1)\n")
    _, diagnostics = await open_file(client, tmp_path / "many.whs", text)
    assert [span(d) for d in diagnostics] == [(0, 0, 0, 3), (2, 8, 2, 12), (5, 24, 5, 29), (6, 13, 6, 17)]
    assert [d.message.split(";")[0] for d in diagnostics] == [
        'unknown command "lst"', 'unknown function "lenn"', 'add: unknown argument "evnts"', 'unknown function "nope"']


async def test_completion_after_events(client: LanguageClient, tmp_path):
    uri, _ = await open_file(client, tmp_path / "c.whs", "add https://x.example/h events=\n")
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(0, 31)))
    labels = {item.label for item in result.items}
    assert labels == {"deliver", "report_spam", "invalid", "soft_bounce", "click", "open", "unsubscribe", "request", "sent", "all"}
    # After a comma, the next event replaces only what follows the comma.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="add https://x.example/h events=open,cl\n")]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(0, 38)))
    click = next(item for item in result.items if item.label == "click")
    assert click.text_edit.range == types.Range(start=at(0, 36), end=at(0, 38))


async def test_completion_of_commands_arguments_settings_and_variables(client: LanguageClient, tmp_path):
    text = "$hook = (add https://x.example/h)\nli\nlist \nset \nset format \nprint $\ndef greet($who) { print $w }\n"
    uri, _ = await open_file(client, tmp_path / "d.whs", text)

    async def labels(line, character):
        result = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=at(line, character)))
        return {item.label for item in result.items}

    assert {"list", "listen", "if", "greet"} <= await labels(1, 2)
    assert {"limit="} <= await labels(2, 5)
    assert {"format", "on_error", "signature"} <= await labels(3, 4)
    assert {"table", "json"} <= await labels(4, 11)
    assert {"$hook", "$_", "$error", "$args"} <= await labels(5, 7)
    # Inside the procedure, its parameter too; outside, not.
    assert "$who" in await labels(6, 26)
    assert "$who" not in await labels(5, 7)


async def test_hover_on_send(client: LanguageClient, tmp_path):
    uri, _ = await open_file(client, tmp_path / "h.whs", "send a@example.com from=b@example.com subject=Hi text=Hello\n")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(0, 2)))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "usage: send TO from=ADDR subject=TEXT" in hover.contents.value
    assert "subject=" in hover.contents.value
    assert hover.range == types.Range(start=at(0, 0), end=at(0, 4))
    # On an argument name: that argument's help.
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(0, 40)))
    assert hover.contents.value.startswith("`subject=`")


async def test_go_to_a_procedure_in_a_sourced_file(client: LanguageClient, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "hooks.whs").write_text("# helpers\n\ndef hook_for($url) {\n  return (add $url events=open)\n}\n")
    uri, diagnostics = await open_file(client, tmp_path / "main.whs", "source lib/hooks.whs\n$h = hook_for(\"https://x.example/h\")\n")
    assert list(diagnostics) == []
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(1, 8)))
    location = found[0] if isinstance(found, list) else found
    assert location.uri == (lib / "hooks.whs").as_uri()
    assert location.range == types.Range(start=at(2, 4), end=at(2, 12))
    # On the sourced file's name: the file.
    found = await client.text_document_definition_async(types.DefinitionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(0, 10)))
    location = found[0] if isinstance(found, list) else found
    assert location.uri == (lib / "hooks.whs").as_uri()
    # The sourced procedure is offered where a statement starts.
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(2, 0)))
    assert "hook_for" in {item.label for item in result.items}


async def test_document_symbols(client: LanguageClient, tmp_path):
    uri, _ = await open_file(client, tmp_path / "s.whs", "$base = \"https://x.example\"\ndef up($n) {\n  $m = $n\n}\n$base = \"b\"\n")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(s.name, s.kind) for s in symbols] == [("$base", types.SymbolKind.Variable), ("up", types.SymbolKind.Function)]
    assert symbols[1].range == types.Range(start=at(1, 0), end=at(3, 1))
    assert symbols[1].selection_range == types.Range(start=at(1, 4), end=at(1, 6))


async def test_nothing_it_analyses_runs(client: LanguageClient, tmp_path):
    """Statements that would write files if they ran: the files never appear, whatever is asked."""
    recorded, saved = tmp_path / "recorded.whs", tmp_path / "history.txt"
    text = f"record {recorded}\nprint 1\nhistory save {saved}\nwatch count=1 {{ print 2 }}\n"
    uri, diagnostics = await open_file(client, tmp_path / "side-effects.whs", text)
    assert list(diagnostics) == []
    for line in range(4):
        await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at(line, 1)))
        await client.text_document_completion_async(types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at(line, 3)))
    assert not recorded.exists() and not saved.exists()
    assert sorted(os.listdir(tmp_path)) == ["side-effects.whs"]


async def test_warnings_from_sourced_files(client: LanguageClient, tmp_path):
    """What the shell would find only when the script runs: a procedure no sourced file
    defines, a sourced file that is nowhere."""
    (tmp_path / "hooks.whs").write_text("def hook_for($url) {\n  return (add $url)\n}\n")
    _, diagnostics = await open_file(client, tmp_path / "uses.whs", "source hooks.whs\n$h = hook_fr(\"https://x.example/h\")\n")
    [warning] = diagnostics
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert span(warning) == (1, 5, 1, 12)
    assert warning.message.startswith('unknown function or procedure "hook_fr"; did you mean "hook_for"?')
    _, diagnostics = await open_file(client, tmp_path / "lost.whs", "source nowhere.whs\nnever_defined(1)\n")
    [warning] = diagnostics
    assert span(warning) == (0, 7, 0, 18)
    assert warning.message.startswith("source: no file nowhere.whs")


async def test_a_quick_fix_writes_the_suggestion(client: LanguageClient, tmp_path):
    uri, diagnostics = await open_file(client, tmp_path / "fix.whs", "list limt=2\n")
    [diagnostic] = diagnostics
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    [action] = actions
    assert action.title == "Change to limit"
    assert action.kind == types.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    assert edit.range == diagnostic.range and edit.new_text == "limit"
