#!/usr/bin/python3
"""Live retrieval: `serve --imap --imaps --pop3 --pop3s` next to the SMTP
listener, over the mailboxes live SMTP delivers into. Mail goes in with
smtplib, comes out with Python's imaplib (IMAP4 + STARTTLS, IMAP4_SSL) and
poplib (POP3 + STLS, POP3_SSL), and with fetchmail over POP3S when it is
installed; deletions show in the trace and in the Maildir export."""
import email
import email.policy
import os
import poplib
import shutil
import smtplib
import subprocess
import unittest

import imaplib

from livelib import (Server, client_tls_context, header, main, peer_fingerprint, work_root)

RETRIEVAL = ["--imap", "0", "--imaps", "0", "--pop3", "0", "--pop3s", "0"]
FETCHMAIL = shutil.which("fetchmail")


def send(port, rcpt, msg_id, subject):
    msg = ("From: alice@example.org\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\n"
           "Fetch me.\r\n" % (rcpt, subject, msg_id)).encode()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.sendmail("alice@example.org", [rcpt], msg)


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


class RetrievalTest(unittest.TestCase):

    def imap_fetch_delete(self, im, want_id):
        typ, data = im.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"1"]))
        typ, data = im.fetch("1", "(BODY.PEEK[])")
        self.assertEqual(typ, "OK")
        msg = parse(data[0][1])
        self.assertEqual(msg["Message-ID"], want_id)
        self.assertEqual(msg.get_content().strip(), "Fetch me.")
        self.assertEqual(im.store("1", "+FLAGS", "(\\Deleted)")[0], "OK")
        typ, data = im.expunge()
        self.assertEqual((typ, data), ("OK", [b"1"]))
        im.logout()

    def pop_fetch_delete(self, pop, want_id):
        count, _ = pop.stat()
        self.assertEqual(count, 1)
        resp, lines, _ = pop.retr(1)
        self.assertTrue(resp.startswith(b"+OK"))
        msg = parse(b"\r\n".join(lines) + b"\r\n")
        self.assertEqual(msg["Message-ID"], want_id)
        pop.dele(1)
        self.assertTrue(pop.quit().startswith(b"+OK"))

    def test_imap_and_pop3_with_and_without_implicit_tls(self):
        ctx = client_tls_context()
        with Server("retrieval", RETRIEVAL) as srv:
            p = srv.ports
            self.assertEqual(sorted(p), ["imap", "imaps", "pop3", "pop3s", "smtp"])
            for rcpt in ("bob", "carol", "dave"):
                send(p["smtp"], rcpt + "@example.net", "<%s@live>" % rcpt, "for " + rcpt)

            # IMAP on 143: LOGINDISABLED until STARTTLS [RFC 3501 §6.2.3].
            im = imaplib.IMAP4("127.0.0.1", p["imap"], timeout=30)
            self.assertIn("LOGINDISABLED", im.capabilities)
            with self.assertRaises(imaplib.IMAP4.error):
                im.login("bob@example.net", "bob-secret")
            im.starttls(ssl_context=ctx)
            self.assertEqual(peer_fingerprint(im.sock), srv.fingerprint)
            self.assertNotIn("LOGINDISABLED", im.capabilities)
            self.assertEqual(im.login("bob@example.net", "bob-secret")[0], "OK")
            self.imap_fetch_delete(im, "<bob@live>")

            # IMAPS on 993: TLS from the first byte.
            im = imaplib.IMAP4_SSL("127.0.0.1", p["imaps"], ssl_context=ctx, timeout=30)
            self.assertEqual(peer_fingerprint(im.sock), srv.fingerprint)
            with self.assertRaises(imaplib.IMAP4.error):
                im.login("carol@example.net", "wrong")
            im.login("carol@example.net", "carol-secret")
            self.imap_fetch_delete(im, "<carol@live>")

            # POP3 on 110 with STLS [RFC 2595 §4], then POP3S on 995.
            send(p["smtp"], "bob@example.net", "<bob2@live>", "second for bob")
            pop = poplib.POP3("127.0.0.1", p["pop3"], timeout=30)
            self.assertIn("STLS", pop.capa())
            pop.stls(context=ctx)
            self.assertNotIn("STLS", pop.capa())
            pop.user("bob@example.net")
            pop.pass_("bob-secret")
            self.pop_fetch_delete(pop, "<bob2@live>")

            pop = poplib.POP3_SSL("127.0.0.1", p["pop3s"], context=ctx, timeout=30)
            self.assertEqual(peer_fingerprint(pop.sock), srv.fingerprint)
            pop.user("dave@example.net")
            pop.pass_("dave-secret")
            self.pop_fetch_delete(pop, "<dave@live>")
            self.assertEqual(srv.stop(), 0)

        # Everything fetched was deleted: the export holds nothing.
        self.assertEqual({u: m for u, m in srv.all_messages().items() if m}, {})
        trace = srv.trace()
        expunged = sorted((e["user"], e["protocol"]) for e in trace
                          if e["kind"] == "mailbox.expunge")
        self.assertEqual(expunged, [("bob@example.net", "imap"), ("bob@example.net", "pop3"),
                                    ("carol@example.net", "imap"), ("dave@example.net", "pop3")])
        # Both directions of each session are traced, the client's inside TLS.
        c2s = [e for e in trace if e["kind"] in ("imap.send", "pop3.send") and e["dir"] == "c2s"]
        self.assertIn("USER dave@example.net", [e["line"] for e in c2s])
        logins = [e for e in c2s if " LOGIN " in e["line"] or e["line"].startswith("USER")]
        self.assertEqual(len(logins), 6)
        # Only the LOGIN refused before STARTTLS went in plaintext.
        plain = [e["line"].split(" ", 1)[1] for e in logins if not e.get("tls")]
        self.assertEqual(plain, ['LOGIN bob@example.net "bob-secret"'])
        self.assertTrue(any("NO [PRIVACYREQUIRED]" in e["line"] for e in trace
                            if e["kind"] == "imap.send" and e["dir"] == "s2c"))
        ports = sorted(e["port"] for e in trace if e["kind"] == "net.accept")
        self.assertEqual(ports, [25, 25, 25, 25, 110, 143, 993, 995])
        self.assertEqual(len([e for e in trace if e["kind"] == "tls.ok"]), 4)
        self.assertEqual(trace[-1]["accounted"], True)

    @unittest.skipUnless(FETCHMAIL, "fetchmail is not installed")
    def test_fetchmail_pop3s(self):
        d = os.path.join(work_root(), "fetchmail-home")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        out = os.path.join(d, "delivered")
        with Server("retrieval-fetchmail", ["--pop3s", "0"]) as srv:
            send(srv.port, "dave@example.net", "<fetchmail@live>", "for fetchmail")
            rc = os.path.join(d, "fetchmailrc")
            with open(rc, "w") as f:
                f.write('set no syslog\n'
                        'poll 127.0.0.1 service %d protocol POP3 auth password\n'
                        '  user "dave@example.net" password "dave-secret"\n'
                        '  ssl sslproto "" no sslcertck\n'
                        '  mda "/bin/sh -c \'cat >> %s\'"\n' % (srv.ports["pop3s"], out))
            os.chmod(rc, 0o600)
            env = dict(os.environ, FETCHMAILHOME=d, HOME=d)
            p = subprocess.run([FETCHMAIL, "-f", rc, "--nodetach", "--nokeep"], env=env,
                               capture_output=True, text=True, timeout=90)
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(out, "rb") as f:
            got = f.read()
        self.assertEqual(header(got.replace(b"\n", b"\r\n"), "Message-ID"), "<fetchmail@live>")
        self.assertEqual(srv.messages("dave@example.net"), [])


if __name__ == "__main__":
    main()
