#!/usr/bin/python3
"""Live mode with swaks (the Swiss Army Knife for SMTP) as the client: a
normal send, a relay attempt to a foreign domain, and --pipeline. Skipped
(exit 77) when swaks is not installed."""
import os
import shutil
import subprocess
import sys
import unittest

from livelib import Server, header, main

SWAKS = os.environ.get("SWAKS") or shutil.which("swaks")


def swaks(port, *args):
    cmd = [SWAKS, "--server", "127.0.0.1", "--port", str(port), "--helo", "swaks.test",
           "--timeout", "30"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


class SwaksTest(unittest.TestCase):

    def test_normal_send(self):
        with Server("swaks-normal") as srv:
            p = swaks(srv.port, "--to", "bob@example.net", "--from", "alice@example.org",
                      "--header", "Message-Id: <swaks-normal@test>")
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"<-  250 2\.0\.0 Ok: queued as \w+")
        got = srv.messages("bob@example.net")
        self.assertEqual([header(m, "Message-ID") for m in got], ["<swaks-normal@test>"])
        self.assertIn("swaks", header(got[0], "X-Mailer"))
        self.assertEqual(header(got[0], "Return-Path"), "<alice@example.org>")

    def test_relay_denied(self):
        with Server("swaks-relay") as srv:
            p = swaks(srv.port, "--to", "someone@elsewhere.example", "--from",
                      "alice@example.org")
            self.assertEqual(srv.stop(), 0)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("<** 554 5.7.1 <someone@elsewhere.example>: Relay access denied", p.stdout)
        self.assertEqual({u: m for u, m in srv.all_messages().items() if m}, {})
        ev = srv.trace()
        self.assertEqual((ev[-1]["messages"], ev[-1]["queued"], ev[-1]["accounted"]), (0, 0, True))

    def test_pipeline(self):
        with Server("swaks-pipeline") as srv:
            p = swaks(srv.port, "--pipeline", "--to", "bob@example.net,carol@example.net",
                      "--from", "alice@example.org", "--header", "Message-Id: <swaks-pipe@test>")
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for user in ("bob@example.net", "carol@example.net"):
            ids = [header(m, "Message-ID") for m in srv.messages(user)]
            self.assertEqual(ids, ["<swaks-pipe@test>"], user)
        ev = srv.trace()
        c2s = [e["line"] for e in ev if e["kind"] == "smtp.send" and e["dir"] == "c2s"]
        self.assertEqual(c2s[:5], ["EHLO swaks.test", "MAIL FROM:<alice@example.org>",
                                   "RCPT TO:<bob@example.net>", "RCPT TO:<carol@example.net>",
                                   "DATA"])
        # The three commands went in one write: all traced before any reply.
        kinds = [(e["dir"], e["line"][:4]) for e in ev if e["kind"] == "smtp.send"]
        i = kinds.index(("c2s", "MAIL"))
        self.assertEqual(kinds[i:i + 8],
                         [("c2s", "MAIL"), ("c2s", "RCPT"), ("c2s", "RCPT"), ("c2s", "DATA"),
                          ("s2c", "250 "), ("s2c", "250 "), ("s2c", "250 "), ("s2c", "354 ")])


if __name__ == "__main__":
    if not SWAKS:
        print("swaks is not installed (Debian package swaks): skipped")
        sys.exit(77)
    main()
