"""`set format csv` and `--csv` (issue 20, item 5): RFC 4180 as Python's csv module reads it,
a header row, events as their names, secrets masked."""
import csv
import io

from shelltools import run_script


def records(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_list_as_csv_with_a_header_row_and_events_as_names(tmp_path):
    status, out, err = run_script(tmp_path, """
add https://example.com/a events=deliver,open api_user=alice
add "https://example.com/b?q=\\"1,2\\""
$ignored = list
set format csv
list
""")
    assert status == 0, err
    # The two adds show as key: value lines, then the page as CSV.
    table = out[out.index("id,url,event,api_user"):]
    assert table.endswith("\r\n") and "\n" not in table.replace("\r\n", "")
    rows = records(table)
    assert rows[0] == ["id", "url", "event", "api_user"]
    assert rows[1] == ["1", "https://example.com/a", "deliver,open", "alice"]
    assert rows[2] == ["2", 'https://example.com/b?q="1,2"',
                       "deliver,report_spam,invalid,soft_bounce,click,open,unsubscribe,request,sent", ""]
    assert len(rows) == 3


def test_csv_on_the_command_line_quotes_commas_quotes_and_line_breaks(tmp_path):
    status, out, err = run_script(tmp_path, """
[{a: "x,y", b: "say \\"hi\\"", c: "two\\nlines"}, {a: 1, d: null, e: [1, 2], f: {k: true}}]
events
""", "--csv")
    assert status == 0, err
    first, second = out.split("code,name,trigger\r\n")
    rows = records(first)
    assert rows == [["a", "b", "c", "d", "e", "f"],
                    ["x,y", 'say "hi"', "two\nlines", "", "", ""],
                    ["1", "", "", "", "1,2", '{"k":true}']]
    events = records("code,name,trigger\r\n" + second)
    assert [row[1] for row in events[1:]] == ["deliver", "report_spam", "invalid", "soft_bounce", "click", "open",
                                            "unsubscribe", "request", "sent"]


def test_a_secret_is_masked_in_csv(tmp_path):
    status, out, err = run_script(tmp_path, '$k = app_key\n[{name: "key", value: $k}]\nprint reveal($k)\n', "--csv")
    assert status == 0, err
    lines = out.split("\r\n")
    assert lines[0] == "name,value"
    assert lines[1] == "key,••••••"
    revealed = lines[2].strip()
    assert len(revealed) > 8 and revealed not in lines[1]


def test_format_csv_is_a_setting_that_set_lists(tmp_path):
    status, out, err = run_script(tmp_path, "set format csv\nset format\nset format xml\n")
    assert status == 1
    assert out.split("\n")[0] == "csv"
    assert "format must be table or json or csv, got 'xml'" in err
