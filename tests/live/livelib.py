"""livelib.py - shared helpers for the live-mode tests (`mailsim serve`).

Each test starts its own server on 127.0.0.1 port 0 (the kernel picks a
free port; we read it from the "mailsim: serving ... on HOST:PORT" line),
talks to it with real clients, stops it with SIGTERM and then looks at what
it left: the Maildir tree (written at shutdown) and the JSON Lines trace.

Environment (set by tests/CMakeLists.txt):
  MAILSIM             the mailsim binary
  MAILSIM_SOURCE_DIR  the source tree (for tests/live/live.json)
  MAILSIM_LIVE_WORK   a scratch directory (default: a new temporary one)
  SWAKS               the swaks program, if installed
Standard library only; runs with /usr/bin/python3.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import trace_expand  # noqa: E402  (puts back the trace's implied fields)

SERVER_HOST = "mx1.example.net"
READY_RE = re.compile(r"^mailsim: serving (\S+) \((\w+)\) on 127\.0\.0\.1:(\d+)$")
FINGERPRINT_RE = re.compile(r"^mailsim: TLS certificate .*SHA256 Fingerprint=([0-9A-F:]+)$")
# One "serving" line per listener: --listen's, then these options' (in order).
LISTENER_OPTIONS = ("--imap", "--imaps", "--pop3", "--pop3s")
# Generous: the server may be built with AddressSanitizer.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 60.0


def mailsim_path():
    path = os.environ.get("MAILSIM")
    if not path:
        sys.exit("livelib: set MAILSIM to the mailsim binary")
    return path


def scenario_path():
    src = os.environ.get("MAILSIM_SOURCE_DIR",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    return os.path.join(src, "tests", "live", "live.json")


def work_root():
    root = os.environ.get("MAILSIM_LIVE_WORK")
    if root:
        os.makedirs(root, exist_ok=True)
        return root
    return tempfile.mkdtemp(prefix="mailsim-live-")


class Server:
    """One `mailsim serve` process and what it leaves behind."""

    def __init__(self, name, extra_args=(), host=SERVER_HOST, scenario=None):
        self.dir = os.path.join(work_root(), name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.trace_path = os.path.join(self.dir, "trace.jsonl")
        self.maildir = os.path.join(self.dir, "maildir")
        self.args = [mailsim_path(), "serve", scenario or scenario_path(), "--host", host,
                     "--listen", "127.0.0.1:0", "--trace", self.trace_path,
                     "--maildir", self.maildir] + list(extra_args)
        self.proc = None
        self.port = None
        self.ports = {}        # listener kind ("smtp", "imaps" ...) -> port
        self.fingerprint = None
        self.listeners = 1 + sum(1 for a in self.args if a in LISTENER_OPTIONS)
        self.stderr_lines = []
        self.returncode = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.ports) < self.listeners:
            line = self.proc.stderr.readline()
            if not line:
                self.proc.wait(timeout=5)
                raise AssertionError("mailsim serve exited (%s) before it was ready: %s"
                                     % (self.proc.returncode, "".join(self.stderr_lines)))
            self.stderr_lines.append(line)
            m = READY_RE.match(line.rstrip("\n"))
            if m:
                self.ports[m.group(2)] = int(m.group(3))
                if self.port is None:
                    self.port = int(m.group(3))
            m = FINGERPRINT_RE.match(line.rstrip("\n"))
            if m:
                self.fingerprint = m.group(1)
            if time.monotonic() > deadline:
                raise AssertionError("mailsim serve not ready after %.0f s" % START_TIMEOUT)
        # Keep draining stderr so the server never blocks on a full pipe.
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        return self

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def stop(self, sig=signal.SIGTERM):
        """Signal the server, wait for it, return its exit status."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        self.proc.send_signal(sig)
        self.returncode = self.proc.wait(timeout=STOP_TIMEOUT)
        self._drain.join(timeout=5)
        self.proc.stderr.close()
        return self.returncode

    def restart(self):
        """A new server process on the same directory (Maildir, spool, trace),
        after this one was stopped or killed."""
        self.proc = None
        self.port = None
        self.ports = {}
        self.fingerprint = None
        self.stderr_lines = []
        self.returncode = None
        return self.start()

    def kill(self):
        """SIGKILL: no shutdown at all, as in a crash."""
        self.proc.kill()
        self.returncode = self.proc.wait(timeout=STOP_TIMEOUT)
        self._drain.join(timeout=5)
        self.proc.stderr.close()
        return self.returncode

    @property
    def spool(self):
        return os.path.join(self.dir, "mailsim-spool")

    def spooled(self):
        """The message files in the spool now."""
        if not os.path.isdir(self.spool):
            return []
        return sorted(n for n in os.listdir(self.spool) if n.endswith(".msg"))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc is not None and self.returncode is None:
            try:
                self.stop()
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False

    def cpu_seconds(self):
        """User + system CPU the server has used so far (Linux /proc), or None."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    # --- what the server left ----------------------------------------------

    def messages(self, user):
        """Every message stored for user (bytes), in file-name order, with
        CRLF line ends as it travelled (the Maildir files use LF, checked)."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, user, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    with open(os.path.join(d, name), "rb") as f:
                        data = f.read()
                    if b"\r\n" in data:
                        raise AssertionError("%s/%s: CRLF in a Maildir file" % (sub, name))
                    out.append(data.replace(b"\n", b"\r\n"))
        return out

    def all_messages(self):
        out = {}
        if os.path.isdir(self.maildir):
            for user in sorted(os.listdir(self.maildir)):
                out[user] = self.messages(user)
        return out

    def trace(self):
        with open(self.trace_path, encoding="utf-8") as f:
            return list(trace_expand.expand(json.loads(line) for line in f if line.strip()))


def header(msg, name):
    """The first header `name` of a stored message (bytes), unfolded, or None."""
    head = msg.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    value = None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if value is not None:
                value += " " + line.strip()
            continue
        if value is not None:
            return value
        key, _, rest = line.partition(":")
        if key.lower() == name.lower():
            value = rest.strip()
    return value


def body(msg):
    return msg.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in msg else b""


class RawClient:
    """A line-oriented SMTP client on a plain socket, for what smtplib will
    not do (pipelining by hand, garbage, vanishing)."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.received = []   # every reply line, in order

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        """One reply line (without CRLF); None at end of stream."""
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        text = line.decode("utf-8", "replace")
        self.received.append(text)
        return text

    def reply(self):
        """A whole (possibly multi-line) reply: list of lines; [] at end of stream."""
        lines = []
        while True:
            line = self.line()
            if line is None:
                return lines
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def code(self):
        r = self.reply()
        return int(r[-1][:3]) if r else None

    def at_eof(self):
        """True when the server has closed the connection (after any lines)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


def client_tls_context():
    """A client context that accepts the server's self-signed certificate
    (the tests compare its fingerprint with the one the server printed)."""
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def peer_fingerprint(sslsock):
    """The SHA-256 fingerprint of the certificate a TLS socket was shown,
    formatted as the server prints it (AB:CD:...)."""
    import hashlib
    der = sslsock.getpeercert(binary_form=True)
    return ":".join("%02X" % b for b in hashlib.sha256(der).digest())


def main():
    """Run the calling module's tests; exit 0 on success, 1 on failure."""
    prog = unittest.main(module="__main__", exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
