"""docs/openapi.yaml is the contract of `whs serve`: schemathesis runs against a live server
with every check on (no 5xx, every answer in its declared shape and status, schema-valid
requests accepted and invalid ones refused, auth enforced, 405 with Allow for other methods).
"""
import os
import re
import subprocess
import sys
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delivery"))
from receiver import WHS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "docs", "openapi.yaml")


@pytest.fixture
def base():
    """`whs serve` on a free port; its base URL."""
    process = subprocess.Popen([WHS, "serve", "--memory", "--port", "0", "--quiet", "--event-delay", "0", "--retry-delays", "none",
                                "--user", "acme:api_user:api_key", "--user", "other:bob:bob-key"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield re.search(r"http://[0-9.:]+", process.stdout.readline()).group(0)
    process.terminate()
    process.wait(10)


def get(base, path, method="GET", auth="YXBpX3VzZXI6YXBpX2tleQ=="):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": "Basic " + auth})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_server_serves_the_document_of_the_docs(base):
    status, headers, body = get(base, "/v1/openapi.yaml")
    assert status == 200 and headers["Content-Type"].startswith("application/yaml")
    with open(SPEC, "rb") as spec:
        assert body == spec.read(), "run scripts/embed-openapi after editing docs/openapi.yaml"
    assert get(base, "/v1/openapi.yaml", auth="eDp5")[0] == 401


def test_a_wrong_method_is_a_405_with_allow_before_the_id_is_read(base):
    for method, path, allow in [("PATCH", "/v1/webhooks/abc", "GET, PUT, POST, DELETE"), ("DELETE", "/v1/webhooks", "GET, POST"),
                                ("GET", "/v1/mail/send", "POST"), ("PUT", "/v1/deliveries/x/redeliver", "POST"),
                                ("POST", "/v1/templates/bad%20name", "GET, PUT, DELETE")]:
        status, headers, body = get(base, path, method=method)
        assert (status, headers.get("Allow")) == (405, allow), (method, path, body)
        assert b'"code":40500' in body
    # With the right method, the id is read and refused.
    assert get(base, "/v1/webhooks/abc")[0] == 400


def operations():
    """How many operations docs/openapi.yaml has: schemathesis must test every one."""
    import yaml
    with open(SPEC) as spec:
        paths = yaml.safe_load(spec)["paths"]
    return sum(1 for item in paths.values() for method in item if method in ("get", "put", "post", "delete", "patch"))


def test_schemathesis_with_every_check_finds_nothing(base):
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=HERE)
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", SPEC, "--url", base, "--auth", "api_user:api_key", "--checks", "all",
         "--max-examples", os.environ.get("WHS_SCHEMATHESIS_EXAMPLES", "40"), "--seed", "20261201",
         # One worker: two would share the server's store, and one's deletes would make the
         # other's stateful checks ("a resource just created is found") fail at random.
         "--workers", "1",
         "--no-color"],
        capture_output=True, text=True, timeout=600, env=environment, cwd=HERE)
    failures = run.stdout.find("FAILURES")
    summary = (run.stdout[failures:failures + 6000] if failures >= 0 else "") + run.stdout[-1500:]
    assert run.returncode == 0, summary
    assert f"Tested: {operations()}" in run.stdout, summary
    assert not re.search(r"\d+ failures?", run.stdout.splitlines()[-1]), summary
