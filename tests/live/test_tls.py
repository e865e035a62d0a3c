#!/usr/bin/python3
"""Live mode's real TLS: STARTTLS with smtplib on the submission port
(AUTH only after it), implicit TLS on a submissions listener (465,
smtplib.SMTP_SSL), the certificate the server printed is the one the
client sees, --tls-cert/--tls-key, plaintext pipelined behind STARTTLS
dropped, a failed handshake, and swaks --tls when swaks and Net::SSLeay
are installed. Every check reads the trace as well as the client."""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import unittest

from livelib import (RawClient, Server, client_tls_context, header, main, peer_fingerprint,
                     work_root)

CAROL = "carol@example.net"
BOB = "bob@example.net"
SWAKS = os.environ.get("SWAKS") or shutil.which("swaks")


def message(msg_id, subject, sender=CAROL):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\nOver TLS.\r\n"
            % (sender, BOB, subject, msg_id)).encode()


def conn_events(trace, conn):
    return [e for e in trace if e.get("conn") == conn]


def has_swaks_tls():
    if not SWAKS:
        return False
    return subprocess.run(["perl", "-MNet::SSLeay", "-e", "1"],
                          capture_output=True).returncode == 0


class TlsTest(unittest.TestCase):

    def check_tls_boundary(self, trace, first_tls_line):
        """tls.start then tls.ok, and every protocol line after them (and
        none before) marked tls; first_tls_line is the first of them."""
        kinds = [e["kind"] for e in trace]
        i, j = kinds.index("tls.start"), kinds.index("tls.ok")
        self.assertEqual(j, i + 1)
        self.assertIn(trace[j]["version"], ("TLSv1.2", "TLSv1.3"))
        lines = [e for e in trace if e["kind"].endswith(".send")]
        before = [e for e in lines if e["seq"] < trace[i]["seq"]]
        after = [e for e in lines if e["seq"] > trace[j]["seq"]]
        self.assertTrue(all("tls" not in e for e in before), before)
        self.assertTrue(after and all(e.get("tls") is True for e in after), after)
        self.assertEqual(after[0]["line"], first_tls_line)

    def test_starttls_submission_auth_after_tls(self):
        with Server("tls-starttls", ["--port-kind", "submission"]) as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.ehlo("laptop.test")
                # RFC 8314 §3.3 / Postfix submission: no AUTH before TLS.
                self.assertIn("starttls", s.esmtp_features)
                self.assertNotIn("auth", s.esmtp_features)
                for cmd, arg in (("AUTH", "PLAIN AGNhcm9sAGNhcm9sLXNlY3JldA=="),
                                 ("MAIL", "FROM:<carol@example.net>")):
                    self.assertEqual(s.docmd(cmd, arg),
                                     (530, b"5.7.0 Must issue a STARTTLS command first"))
                code, _ = s.starttls(context=client_tls_context())
                self.assertEqual(code, 220)
                self.assertEqual(peer_fingerprint(s.sock), srv.fingerprint)
                s.ehlo("laptop.test")   # RFC 3207 §4.2: start over
                self.assertNotIn("starttls", s.esmtp_features)
                self.assertIn("auth", s.esmtp_features)
                s.login(CAROL, "carol-secret")
                self.assertEqual(s.sendmail(CAROL, [BOB], message("<starttls@test>", "STARTTLS")),
                                 {})
            self.assertEqual(srv.stop(), 0)
        got = srv.messages(BOB)
        self.assertEqual([header(m, "Message-ID") for m in got], ["<starttls@test>"])
        # "ESMTPSA": TLS and AUTH [RFC 3848 §1].
        self.assertIn("with ESMTPSA", header(got[0], "Received"))
        self.check_tls_boundary(srv.trace(), "ehlo laptop.test")  # smtplib writes it so

    def test_allow_plain_auth_on_loopback(self):
        with Server("tls-plain-auth", ["--port-kind", "submission", "--allow-plain-auth"]) as srv:
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=30) as s:
                s.ehlo("laptop.test")
                self.assertIn("auth", s.esmtp_features)
                self.assertIn("starttls", s.esmtp_features)
                s.login(CAROL, "carol-secret")
                s.sendmail(CAROL, [BOB], message("<plain@test>", "Plain"))
            self.assertEqual(srv.stop(), 0)
        self.assertIn("with ESMTPA", header(srv.messages(BOB)[0], "Received"))
        self.assertNotIn("tls.start", [e["kind"] for e in srv.trace()])

    def test_submissions_implicit_tls(self):
        with Server("tls-465", ["--port-kind", "submissions"]) as srv:
            with smtplib.SMTP_SSL("127.0.0.1", srv.port, timeout=30,
                                  context=client_tls_context()) as s:
                self.assertEqual(peer_fingerprint(s.sock), srv.fingerprint)
                s.ehlo("laptop.test")
                self.assertNotIn("starttls", s.esmtp_features)  # RFC 8314 §3.3
                self.assertIn("auth", s.esmtp_features)
                s.login(CAROL, "carol-secret")
                s.sendmail(CAROL, [BOB], message("<465@test>", "Port 465"))
            self.assertEqual(srv.stop(), 0)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages(BOB)], ["<465@test>"])
        trace = srv.trace()
        # The handshake comes before the greeting, on port 465.
        self.check_tls_boundary(trace, "220 mx1.example.net ESMTP mailsim")
        self.assertEqual([e["port"] for e in trace if e["kind"] == "net.accept"], [465])

    def test_pipelined_plaintext_after_starttls_is_dropped(self):
        """CVE-2011-0411: commands sent in the same packet as STARTTLS must
        not be run as if they came inside TLS."""
        with Server("tls-inject", ["--port-kind", "submission"]) as srv:
            c = RawClient(srv.port)
            self.assertEqual(c.code(), 220)
            c.send(b"EHLO inject.test\r\n")
            self.assertEqual(c.code(), 250)
            c.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<bob@example.net>\r\n")
            self.assertEqual(c.reply(), ["220 2.0.0 Ready to start TLS"])
            tls = client_tls_context().wrap_socket(c.sock, server_hostname="mx1.example.net")
            tls.sendall(b"EHLO inject.test\r\n")
            data = b""
            while not data.endswith(b"250 8BITMIME\r\n"):
                chunk = tls.recv(4096)
                self.assertTrue(chunk, "connection closed: %r" % data)
                data += chunk
            # The first reply inside TLS answers EHLO, not the injected MAIL.
            self.assertTrue(data.startswith(b"250-mx1.example.net\r\n"), data)
            tls.sendall(b"QUIT\r\n")
            self.assertTrue(tls.recv(4096).startswith(b"221 "))
            tls.close()
            self.assertEqual(srv.stop(), 0)
        c2s = [e["line"] for e in srv.trace() if e["kind"] == "smtp.send" and e["dir"] == "c2s"]
        self.assertNotIn("RCPT TO:<bob@example.net>", c2s)
        self.assertEqual(c2s[-2:], ["EHLO inject.test", "QUIT"])

    def test_failed_handshake(self):
        with Server("tls-fail", ["--port-kind", "submissions"]) as srv:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
                s.sendall(b"EHLO not-tls.test\r\n")   # no ClientHello
                try:
                    while s.recv(4096):
                        pass
                except ConnectionResetError:
                    pass
            self.assertEqual(srv.stop(), 0)
        trace = srv.trace()
        fails = [e for e in trace if e["kind"] == "tls.fail"]
        self.assertEqual(len(fails), 1, trace)
        self.assertTrue(fails[0]["reason"])
        self.assertEqual([e for e in trace if e["kind"] == "smtp.send"], [])

    def test_silent_client_on_implicit_port(self):
        """A client that never starts the handshake cannot hold a slot: it
        is closed at the idle timeout, with nothing said in plaintext."""
        with Server("tls-silent", ["--port-kind", "submissions", "--idle-timeout", "1"]) as srv:
            # (the 30 s socket timeout fails the test if it is never closed)
            with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
                self.assertEqual(s.recv(4096), b"")   # closed, no greeting
            self.assertEqual(srv.stop(), 0)
        trace = srv.trace()
        kinds = [e["kind"] for e in trace if e.get("conn") == 1]
        self.assertEqual(kinds[:3], ["net.connect", "net.accept", "tls.start"])
        self.assertIn("net.close", kinds)
        self.assertNotIn("smtp.send", kinds)

    def test_certificate_files(self):
        """--tls-cert/--tls-key: the client sees that certificate."""
        d = os.path.join(work_root(), "tls-cert-files")
        os.makedirs(d, exist_ok=True)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=mx1.example.net", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        with open(cert) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        import hashlib
        want = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
        with Server("tls-files", ["--port-kind", "submissions", "--tls-cert", cert,
                                  "--tls-key", key]) as srv:
            self.assertEqual(srv.fingerprint, want)
            with smtplib.SMTP_SSL("127.0.0.1", srv.port, timeout=30,
                                  context=client_tls_context()) as s:
                self.assertEqual(peer_fingerprint(s.sock), want)
                self.assertEqual(s.noop()[0], 250)
            self.assertEqual(srv.stop(), 0)
        self.assertNotIn("self-signed", srv.stderr)

    @unittest.skipUnless(has_swaks_tls(), "swaks or Net::SSLeay (libnet-ssleay-perl) missing")
    def test_swaks_tls(self):
        with Server("tls-swaks", ["--port-kind", "submission"]) as srv:
            p = subprocess.run([SWAKS, "--server", "127.0.0.1", "--port", str(srv.port),
                                "--helo", "swaks.test", "--timeout", "30", "--tls",
                                "--auth", "PLAIN", "--auth-user", CAROL,
                                "--auth-password", "carol-secret", "--from", CAROL,
                                "--to", BOB, "--header", "Message-Id: <swaks-tls@test>"],
                               capture_output=True, text=True, timeout=90)
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("=== TLS started", p.stdout)
        self.assertEqual([header(m, "Message-ID") for m in srv.messages(BOB)],
                         ["<swaks-tls@test>"])
        self.check_tls_boundary(srv.trace(), "EHLO swaks.test")


if __name__ == "__main__":
    main()
