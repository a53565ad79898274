"""Nodes behind a real nginx, as docs/SCALING.md sets them up: balanced (one consistent store
through either node, and a dead node skipped), and TLS terminated with a certificate of a CA
made here, which the shell trusts by `$SSL_CERT_FILE` or `--ca-file`."""
import os
import subprocess
import tempfile
import textwrap

import pytest

from cluster import WHS, call, database, free_port, nodes, wait_for  # noqa: F401 (fixtures)


class Nginx:
    def __init__(self, http_block):
        self.folder = tempfile.mkdtemp(prefix="whs-nginx-")
        config = os.path.join(self.folder, "nginx.conf")
        with open(config, "w") as out:
            out.write(textwrap.dedent(f"""
                worker_processes 1;
                pid {self.folder}/nginx.pid;
                error_log {self.folder}/error.log;
                events {{ worker_connections 256; }}
                http {{
                    access_log off;
                    client_body_temp_path {self.folder}/body;
                    proxy_temp_path {self.folder}/proxy;
                    fastcgi_temp_path {self.folder}/fastcgi;
                    uwsgi_temp_path {self.folder}/uwsgi;
                    scgi_temp_path {self.folder}/scgi;
                """) + textwrap.indent(textwrap.dedent(http_block), "    ") + "}\n")
        self.process = subprocess.Popen(["nginx", "-p", self.folder, "-c", config, "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def close(self):
        self.process.terminate()
        self.process.wait(10)


def upstream(servers):
    # The docs' set-up: a node that fails is skipped for 5 s; a request it could not answer
    # (refused, timed out, 502/503) goes to the next node.
    lines = "\n".join(f"    server {s.base[len('http://'):]} max_fails=1 fail_timeout=5s;" for s in servers)
    return f"""
        upstream whs {{
        {lines}
            keepalive 16;
        }}
        """


def proxy():
    return """
            location / {
                proxy_pass http://whs;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_next_upstream error timeout http_502 http_503;
                proxy_connect_timeout 2s;
            }
        """


def test_two_nodes_behind_nginx_are_one_store_and_one_can_die(database, nodes):
    one, two = nodes(database, "n1"), nodes(database, "n2")
    port = free_port()
    nginx = Nginx(upstream([one, two]) + f"server {{\n    listen 127.0.0.1:{port};\n{proxy()}}}\n")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), seconds=10, what="nginx")
        seen = set()
        for i in range(20):
            status, body = call(base, "POST", "/v1/webhooks", body={"url": f"https://lb.example/{i}", "event": [1]})
            assert status == 200, body
            status, page = call(base, "GET", "/v1/webhooks?limit=100")
            assert status == 200 and page["total"] == i + 1, "each list sees every add, whichever node took it"
            seen.add(call(base, "GET", "/v1/health", user=None)[1]["node"])
        assert seen == {"n1", "n2"}, "nginx used both nodes"
        one.kill()
        for i in range(20):
            status, page = call(base, "GET", "/v1/webhooks?limit=1")
            assert status == 200 and page["total"] == 20
        assert call(base, "POST", "/v1/webhooks", body={"url": "https://lb.example/after", "event": [1]})[0] == 200
        assert call(base, "GET", "/v1/health", user=None)[1]["node"] == "n2"
    finally:
        nginx.close()


def _answers(base):
    try:
        return call(base, "GET", "/v1/health", user=None, timeout=2)[0] == 200
    except OSError:
        return False


def make_ca(folder):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=whs test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(folder, "san.ext"), "w") as out:
        out.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
        "-extfile", "san.ext")
    return os.path.join(folder, "ca.pem")


SCRIPT = """
$w = add https://tls.example/a events=deliver,open
assert $w.id > 0
modify $w.id url=https://tls.example/b
assert (get $w.id).url == "https://tls.example/b"
assert (list).total == 1
template put welcome subject="Hi" html="<p>hi</p>"
$sent = send ann@example.com from=shop@example.com subject=Hi html="<p>hi</p>"
assert len($sent.email_ids) == 1
assert (mails).count == 1
$t = trigger deliver
assert $t.count == 1
assert (deliveries).count >= 1
assert len((app_key)) > 0
delete $w.id
assert (list).total == 0
print "all through https"
"""


def test_the_shell_speaks_tls_to_nginx_in_front_of_a_node(database, nodes):
    node = nodes(database, "n1")
    folder = tempfile.mkdtemp(prefix="whs-tls-")
    ca = make_ca(folder)
    port = free_port()
    nginx = Nginx(upstream([node]) + textwrap.dedent(f"""
        server {{
            listen 127.0.0.1:{port} ssl;
            ssl_certificate {folder}/server.pem;
            ssl_certificate_key {folder}/server.key;
        {proxy()}
        }}
        """))
    url = f"https://127.0.0.1:{port}"
    env = {**os.environ, "WHS_API_KEY": "alice-key", "XDG_DATA_HOME": folder}
    try:
        wait_for(lambda: subprocess.run(["curl", "-s", "--cacert", ca, url + "/v1/health"], capture_output=True).returncode == 0,
                 seconds=10, what="nginx with TLS")
        trusted = subprocess.run([WHS, "--url", url, "--api-user", "alice", "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                                 env={**env, "SSL_CERT_FILE": ca})
        assert trusted.returncode == 0, trusted.stderr
        assert "all through https" in trusted.stdout
        by_flag = subprocess.run([WHS, "--url", url, "--api-user", "alice", "--ca-file", ca, "-c", "list"], capture_output=True, text=True,
                                 timeout=60, env={k: v for k, v in env.items() if k != "SSL_CERT_FILE"})
        assert by_flag.returncode == 0, by_flag.stderr
        # The system's roots do not know this CA: refused, clearly, exit 1.
        untrusted = subprocess.run([WHS, "--url", url, "--api-user", "alice", "-c", "list"], capture_output=True, text=True, timeout=60,
                                   env={**env, "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"})
        assert untrusted.returncode == 1
        assert "certificate is not trusted" in untrusted.stderr, untrusted.stderr
    finally:
        nginx.close()
