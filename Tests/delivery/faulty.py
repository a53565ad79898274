"""Receivers that misbehave on purpose, on raw sockets, for the push client's fault and pool tests.

Each reads HTTP/1.1 requests itself (no http.server: some faults need control of the socket)
and counts what it sees: connections accepted, requests read, connections open at once. How it
answers is its `mode`:

- ok:       200 with a 2-byte body, keep-alive (after `delay` seconds, if given)
- hang:     reads the request, never answers
- reset:    reads the request, then resets the connection (SO_LINGER 0)
- refuse:   resets each connection as soon as it is accepted, without reading (fast, for counts)
- midbody:  announces 1,000 bytes of body, sends 10, closes
- huge:     answers 200 with a body of 10 MB, sent as fast as the client reads
- once:     answers the first request of each connection (keep-alive), and closes the
            connection without answering when a second one arrives on it: a receiver whose
            keep-alive timeout ran out just as the client reused the connection
- tls:      `ok`, over TLS with a self-signed certificate (untrusted by any client), or with
            `certificate` (cert and key files); the server names clients ask for (SNI) are kept
- status:   answers `status` (a 500 with `Connection: close` by default)

Run as a script (`python3 faulty.py MODE [DELAY]`), it prints its port, serves until its
standard input closes or says `stats`, and then prints its counts as JSON (the Swift pool test
uses that).
"""
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time


class FaultyReceiver:
    def __init__(self, mode, delay=0.0, host="127.0.0.1", port=0, status=500, certificate=None):
        self.mode = mode
        self.delay = delay
        self.status = status
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.open_now = 0
        self.max_open = 0
        self.paths = []
        self.server_names = []
        self.stopped = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(512)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.tls = None
        if mode == "tls":
            if certificate:
                self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                self.tls.load_cert_chain(*certificate)
            else:
                self.tls = self_signed_context()
            self.tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        scheme = "https" if self.mode == "tls" else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def stats(self):
        with self.lock:
            return {"connections": self.connections, "requests": self.requests, "max_open": self.max_open}

    def close(self):
        self.stopped.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()

    def accept_loop(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            if self.mode == "refuse":
                reset(conn)
                continue
            with self.lock:
                self.open_now += 1
                self.max_open = max(self.max_open, self.open_now)
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()

    def serve_connection(self, conn):
        try:
            if self.tls:
                conn.settimeout(5)
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            conn.settimeout(30)
            buffered = b""
            served = 0
            while not self.stopped.is_set():
                request, buffered = read_request(conn, buffered)
                if request is None:
                    return
                with self.lock:
                    self.requests += 1
                    self.paths.append(request.split(b" ", 2)[1].decode())
                if not self.answer(conn, served):
                    return
                served += 1
        except OSError:
            pass
        finally:
            with self.lock:
                self.open_now -= 1
            try:
                conn.close()
            except OSError:
                pass

    def answer(self, conn, served):
        """Answers one request; False when the connection is done."""
        mode = self.mode
        if mode == "hang":
            self.stopped.wait(30)
            return False
        if mode == "reset":
            reset(conn)
            return False
        if mode == "midbody":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
            time.sleep(0.05)
            return False
        if mode == "huge":
            size = 10 * 1024 * 1024
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            chunk = b"x" * 65536
            for _ in range(size // len(chunk)):
                conn.sendall(chunk)
            return True
        if mode == "once" and served >= 1:
            return False
        if mode == "status":
            conn.sendall(b"HTTP/1.1 %d Nope\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno" % self.status)
            return False
        if self.delay:
            time.sleep(self.delay)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True


def reset(conn):
    """Closes with a reset (RST) instead of an orderly FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def read_request(conn, buffered):
    """One request's bytes (head and body) and what was read past it; None at the end."""
    while b"\r\n\r\n" not in buffered:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buffered += data
    head, rest = buffered.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def self_signed_context():
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    folder = tempfile.mkdtemp(prefix="whs-tls-")
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


if __name__ == "__main__":
    receiver = FaultyReceiver(sys.argv[1], delay=float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
    print(receiver.port, flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            break
    print(json.dumps(receiver.stats()), flush=True)
    receiver.close()
